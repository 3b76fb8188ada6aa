// Exhaustiveness check for discriminated unions.

/** Fails to compile when a `switch` misses a case, and throws if one slips through at run time. */
export function assertNever(value: never): never {
  throw new TypeError(`unexpected value: ${JSON.stringify(value)}`);
}
