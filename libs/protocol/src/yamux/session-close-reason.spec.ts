import { ProtocolTimeoutError, ProtocolViolationError, RemoteGoAwayError } from '../errors';
import { sessionCloseReason } from './session-close-reason';

describe('sessionCloseReason', () => {
  it('labels each kind of session end', () => {
    expect(sessionCloseReason(undefined)).toBe('closed');
    expect(sessionCloseReason(new ProtocolViolationError('bad version'))).toBe('protocol_error');
    expect(sessionCloseReason(new ProtocolTimeoutError('keepalive', 'ERR_KEEPALIVE_TIMEOUT'))).toBe('timeout');
    expect(sessionCloseReason(new RemoteGoAwayError(1))).toBe('go_away_error');
    expect(sessionCloseReason(new Error('read ECONNRESET'))).toBe('error');
  });
});
