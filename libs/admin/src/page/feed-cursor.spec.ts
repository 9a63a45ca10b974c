import { decodeFeedCursor, encodeFeedCursor, MAX_FEED_CURSOR_LENGTH } from './feed-cursor';

describe('feed cursor', () => {
  it('carries each proxy version from a list to the live channel', () => {
    const cursor = encodeFeedCursor({ 'proxy-a': 917, 'proxy-b': 0 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeFeedCursor(cursor)).toEqual(new Map([['proxy-a', 917], ['proxy-b', 0]]));
    expect(decodeFeedCursor(encodeFeedCursor({}))).toEqual(new Map());
  });

  it('refuses what is not a cursor', () => {
    const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of ['not a cursor', 'bm90IGpzb24', enc([1]), enc(null), enc({ a: -1 }), enc({ a: 1.5 }), enc({ a: '3' }), 'A'.repeat(MAX_FEED_CURSOR_LENGTH + 1)]) {
      expect(decodeFeedCursor(bad)).toBeUndefined();
    }
  });
});
