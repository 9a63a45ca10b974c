/**
 * A Redis or NATS URL fit for a log line or an error message: the password (or a NATS token, the
 * whole user part) replaced by `***`, the rest as given. Handles the multi-host forms
 * (`redis+sentinel://:pw@h1:26379,h2:26379/master`) that WHATWG URL parsing rejects.
 *
 *   redis://:s3cret@127.0.0.1:6379   → redis://:***@127.0.0.1:6379
 *   nats://piko:s3cret@nats:4222     → nats://piko:***@nats:4222
 *   nats://s3cr3t-token@nats:4222    → nats://***@nats:4222
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** The cause of a Redis or NATS client error in words, without the client library's advice. */
export function describeClientError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // nats.js wraps the socket error: NatsError CONNECTION_REFUSED, chainedError "connect ECONNREFUSED …".
  const chained = (err as { chainedError?: unknown }).chainedError;
  if (chained instanceof Error && chained.message) return chained.message;
  return err.message;
}
