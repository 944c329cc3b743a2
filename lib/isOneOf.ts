/**
 * Whether `value` is one of `options`, narrowing it to their type (`includes` on a readonly tuple of
 * literals refuses a wider argument, and widening the list with a cast would hide a typo).
 */
export function isOneOf<const T extends string>(value: unknown, options: readonly T[]): value is T {
  return options.some((option) => option === value);
}
