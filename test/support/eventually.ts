/**
 * Waits for something a process of the app does on its own time (a child runtime has no clock a
 * test can drive): `probe` is asked every `everyMs` until it answers a value. It gives up only when
 * the system stops moving, that is when `progress` (anything printable: counts, states) has not
 * changed for `stalledAfterMs`, never because the machine is slow; the error says what was awaited
 * and where things stood.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { progress?: () => Promise<unknown>; stalledAfterMs?: number; everyMs?: number } = {},
): Promise<T> {
  const stalledAfterMs = options.stalledAfterMs ?? 60_000;
  let last: string | undefined;
  let movedAt = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const now = JSON.stringify((await options.progress?.()) ?? null);
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stalledAfterMs) {
      throw new Error(`gave up waiting for ${what}: nothing moved for ${stalledAfterMs / 1000} s (${now})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 200));
  }
}
