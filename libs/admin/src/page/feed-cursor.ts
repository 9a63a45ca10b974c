/** The longest `cursor` accepted (characters): a few hundred proxies' versions. */
export const MAX_FEED_CURSOR_LENGTH = 16_384;

/**
 * The list's `cursor` (ExchangeListResponse): each proxy's change counter when the list was made
 * (node ID → version), as base64url JSON. Opaque to clients: they hand it back to
 * `GET /api/v1/events?cursor=`.
 */
export function encodeFeedCursor(versions: Readonly<Record<string, number>>): string {
  return Buffer.from(JSON.stringify(versions)).toString('base64url');
}

/**
 * The versions in a cursor from encodeFeedCursor, or undefined when it is not one (bad base64url or
 * JSON, not an object of node ID → integer ≥ 0, too long). A client sends it: nothing in it is trusted
 * beyond being a number to count from.
 */
export function decodeFeedCursor(cursor: string): Map<string, number> | undefined {
  if (cursor.length > MAX_FEED_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*$/.test(cursor)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const versions = new Map<string, number>();
  for (const [node, version] of Object.entries(parsed)) {
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return undefined;
    versions.set(node, version);
  }
  return versions;
}
