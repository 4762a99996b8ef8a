/**
 * Parses JSON that may hold secret values (request bodies, seed and data files). `JSON.parse`'s own message quotes
 * the input, so on failure the error `failure` makes is thrown instead. (The emulator imports nothing of ours, so
 * this is its own copy of the SDK's `parseJsonText` rule.)
 */
export function parseJsonText(text: string, failure: () => Error): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw failure();
  }
}
