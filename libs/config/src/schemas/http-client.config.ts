import { BoolOption, DurationOption, IntOption } from '../lib/option.decorators';

/**
 * Go Piko v0.9's `listeners[].http_client` (and `--http-client.*` of `piko agent http`): Go's
 * agent forwards through an http.Transport with a connection pool. This agent splices each
 * stream from Piko onto a TCP connection to the local service that lives as long as the stream
 * (Piko's proxy reuses idle streams, so a reused stream is a reused connection):
 * `keep_alive_timeout` and `idle_conn_timeout` apply to those connections. See
 * docs/configuration.md for what each key does.
 */
export class HttpClientConfig {
  @DurationOption(`
TCP keep-alive probe interval on each connection to the local service (Go's
net.Dialer KeepAlive). 0 leaves the system default.`)
  keepAliveTimeout = 30_000;

  @DurationOption(`
A connection to the local service that carried nothing for this long between
requests is closed (Go's Transport IdleConnTimeout); the stream from Piko stays
and its next request connects again. 0 keeps idle connections open.`)
  idleConnTimeout = 90_000;

  @IntOption(`
Accepted for Go Piko compatibility (-1 means no limit); no effect here: idle
connections to the local service are those of the streams kept open between
requests, which the sending side bounds.`, { min: -1 })
  maxIdleConns = 100;

  @BoolOption(`
Accepted for Go Piko compatibility. The agent never adds 'Accept-Encoding'
or decompresses responses (the request passes through as the client sent it),
which is what Go does with this set to true.`)
  disableCompression = false;
}
