import { BoolOption, DurationOption, IntOption } from '../lib/option.decorators';

/**
 * Go Piko v0.9's `listeners[].http_client` (and `--http-client.*` of `piko agent http`): Go's
 * agent forwards through an http.Transport with a connection pool. This agent splices each
 * stream from Piko onto a fresh TCP connection to the local service and closes it when the
 * stream ends, so there is no pool: only `keep_alive_timeout` has an effect here. See
 * docs/configuration.md for what each key does.
 */
export class HttpClientConfig {
  @DurationOption(`
TCP keep-alive probe interval on each connection to the local service (Go's
net.Dialer KeepAlive). 0 leaves the system default.`)
  keepAliveTimeout = 30_000;

  @DurationOption(`
Accepted for Go Piko compatibility; no effect here: the agent keeps no idle
connections to the local service (each stream from Piko gets a fresh one,
closed when it ends).`)
  idleConnTimeout = 90_000;

  @IntOption(`
Accepted for Go Piko compatibility (-1 means no limit); no effect here: the
agent keeps no idle connections to the local service.`, { min: -1 })
  maxIdleConns = 100;

  @BoolOption(`
Accepted for Go Piko compatibility. The agent never adds 'Accept-Encoding'
or decompresses responses (the request passes through as the client sent it),
which is what Go does with this set to true.`)
  disableCompression = false;
}
