/**
 * Compile-time exhaustiveness for `switch` over a discriminated union: adding a message type
 * without handling it becomes a type error here; at run time it is a bug, so it throws.
 *
 * @example
 * switch (msg.type) { case 'ping': ...; default: assertNever(msg); }
 */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
