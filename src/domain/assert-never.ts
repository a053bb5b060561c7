/**
 * Ends every switch over a union: adding a kind of event, job, effect or view without handling it fails
 * to compile, and a value that slipped past the types fails loudly instead of doing nothing.
 */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
