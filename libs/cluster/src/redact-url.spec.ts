import { describeClientError, redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['redis://:s3cret@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
    ['rediss://piko:s3cret@redis.example.com:6380/2', 'rediss://piko:***@redis.example.com:6380/2'],
    ['redis+sentinel://:s3cret@h1:26379,h2:26379/mymaster', 'redis+sentinel://:***@h1:26379,h2:26379/mymaster'],
    ['nats://piko:s3cret@nats:4222', 'nats://piko:***@nats:4222'],
    ['nats://s3cr3t-token@nats:4222', 'nats://***@nats:4222'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['127.0.0.1:4222', '127.0.0.1:4222'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactUrl(url)).not.toContain('s3cr');
  });
});

describe('describeClientError', () => {
  it("prefers the wrapped socket error of a NATS error to its code", () => {
    const natsError = Object.assign(new Error('CONNECTION_REFUSED'), { chainedError: new Error('connect ECONNREFUSED 127.0.0.1:4222') });
    expect(describeClientError(natsError)).toBe('connect ECONNREFUSED 127.0.0.1:4222');
    expect(describeClientError(new Error('WRONGPASS invalid username-password pair'))).toBe('WRONGPASS invalid username-password pair');
  });
});
