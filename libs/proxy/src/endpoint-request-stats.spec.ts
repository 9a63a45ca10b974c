import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { EndpointRequestStats } from './endpoint-request-stats';

function response(statusCode: number, headersSent = true): ServerResponse {
  return Object.assign(new EventEmitter(), { statusCode, headersSent }) as unknown as ServerResponse;
}

describe('EndpointRequestStats', () => {
  it('counts requests when they end, a 5xx or a response that never began as an error', () => {
    const stats = new EndpointRequestStats();
    const responses = [response(200), response(404), response(502), response(200, false)];
    for (const res of responses) stats.watch('svc', res);
    expect(stats.snapshot().endpoints).toEqual({});
    for (const res of responses) res.emit('close');
    stats.record('ws', false);
    expect(stats.snapshot().endpoints).toEqual({ svc: [4, 2], ws: [1, 0] });
  });

  it('keeps counters cumulative, and forgets an endpoint idle since the previous snapshot', () => {
    const stats = new EndpointRequestStats();
    stats.record('a', false);
    stats.record('b', true);
    stats.snapshot();
    stats.record('a', false);
    expect(stats.snapshot().endpoints).toEqual({ a: [2, 0], b: [1, 1] });
    expect(stats.snapshot().endpoints).toEqual({ a: [2, 0] });
    expect(stats.snapshot().endpoints).toEqual({});
  });
});
