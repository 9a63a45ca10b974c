/**
 * A flat copy of `text`: the same characters in one contiguous string. V8 keeps a string built by
 * `+` or a template (of 13 characters or more) as a tree of its pieces, one 32-byte node per
 * concatenation; a string kept for the life of an upstream session should not carry that tree.
 * crypto.randomUUID() returns such a tree (~480 B of heap, ~60 B flat); so does pino's child
 * bindings text. A UTF-8 round trip through a Buffer is the copy that is certain to be flat
 * (`Number(text)` flattens only partly: ~340 B for a UUID). Lone surrogates become U+FFFD, so
 * it is for well-formed text (ids, JSON, addresses).
 *
 * @param text any well-formed string
 * @returns an equal string, stored flat
 */
export function flatString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
