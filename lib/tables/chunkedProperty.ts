/**
 * A Table storage string property holds at most 64 KiB (32K UTF-16 characters). JSON that may grow
 * past that (50 scopes of up to 1,024 characters each) is spread over numbered properties.
 */
const CHUNK = 30_000;

export function writeChunks(name: string, value: string): Record<string, string | number> {
  const out: Record<string, string | number> = {
    [`${name}Chunks`]: Math.max(1, Math.ceil(value.length / CHUNK)),
  };
  for (let i = 0, n = 0; i < value.length || n === 0; i += CHUNK, n++)
    out[`${name}${n}`] = value.slice(i, i + CHUNK);
  return out;
}

export function readChunks(name: string, entity: Record<string, unknown>): string {
  const count = Number(entity[`${name}Chunks`] ?? 0);
  let value = '';
  for (let n = 0; n < count; n++) value += String(entity[`${name}${n}`] ?? '');
  return value;
}
