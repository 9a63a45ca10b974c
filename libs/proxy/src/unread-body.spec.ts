import type { IncomingMessage } from 'node:http';
import { bodyUnread } from './unread-body';

function req(headers: Record<string, string>, complete: boolean): IncomingMessage {
  return { headers, complete } as unknown as IncomingMessage;
}

describe('bodyUnread', () => {
  it('is false for a request without a body, even before Node marks it complete', () => {
    expect(bodyUnread(req({}, false))).toBe(false);
    expect(bodyUnread(req({ 'content-length': '0' }, false))).toBe(false);
  });

  it('is true while a framed body is still arriving, false once it has', () => {
    expect(bodyUnread(req({ 'content-length': '10' }, false))).toBe(true);
    expect(bodyUnread(req({ 'transfer-encoding': 'chunked' }, false))).toBe(true);
    expect(bodyUnread(req({ 'content-length': '10' }, true))).toBe(false);
  });
});
