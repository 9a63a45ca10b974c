import { DurationOption, IntOption } from '../lib/option.decorators';

/** HTTP server limits (Go Piko's `proxy.http`), with Go's defaults. */
export class HttpConfig {
  @DurationOption(`
Maximum duration to read a whole request, body included. 0 means no limit.
(Go Piko defaults to 10s, which cuts any upload longer than that; we default
to no limit.)`)
  readTimeout = 0;

  @DurationOption(`
Maximum duration to read a request's headers. 0 means read-timeout is used.`)
  readHeaderTimeout = 10_000;

  @DurationOption(`
Maximum duration from a request's arrival to the end of its response; a
response still writing then is cut. 0 means no limit. (Go Piko defaults to
10s, which cuts downloads and event streams; we default to no limit.)`)
  writeTimeout = 0;

  @DurationOption(`
Maximum time to wait for the next request on a keep-alive connection.`)
  idleTimeout = 300_000;

  @DurationOption(`
Maximum time between two reads of a request body: a body that sends no byte
this long ends its request ('408' if no response has begun, otherwise the
connection is cut). Uploads of any length and speed still work as long as
bytes keep coming. 0 means no limit. (Not a Go Piko key; nginx's
client_body_timeout, with its 60s default.)`)
  bodyIdleTimeout = 60_000;

  @IntOption(`
Pipelined requests read on one connection and waiting for the one in progress
(requests are handled one at a time, as by Go's net/http). A client that
pipelines more has its connection closed; it retries what was not answered
(RFC 9112 section 9.3.2). (Not a Go Piko key.)`, { min: 1 })
  maxPipelinedRequests = 4096;

  @IntOption(`
Maximum bytes read parsing a request's line and headers.`, { min: 1 })
  maxHeaderBytes = 1_048_576;

  @IntOption(`
Maximum number of header fields in a request's head. A request with more gets
'431' with {"error":"too many request headers"}, never a truncated forward.
(Go has only the byte limit; a count keeps a head of a few bytes per field
from costing the proxy and the service one field each.)`, { min: 1 })
  maxHeaderCount = 500;

  @IntOption(`
Idle streams to each upstream kept open for the next request (HTTP/1.1
keep-alive inside a multiplexed stream): a request goes to the upstream load
balancing picks, on one of its idle streams if it has one, else on a new
stream. Beyond this many idle streams per upstream, a freed one is closed, so
keep it above the requests in flight to one upstream at peak: below that,
streams (and the agent's connections to the service) are closed and opened
again all the time. 0 opens one stream per request, as Go Piko does. (Not a
Go Piko key.)`, { min: 0 })
  upstreamMaxIdleStreams = 128;

  @DurationOption(`
How long an idle stream to an upstream is kept for reuse before it is closed.
(Not a Go Piko key.)`)
  upstreamIdleTimeout = 15_000;

  @IntOption(`
Maximum bytes read parsing an upstream response's status line and headers
(interim 1xx heads included). A larger head gets the client '502' with
{"error":"upstream response header too large"}. Each request waiting for its
response head may hold this much, so it bounds what a service can make the
proxy buffer. (Go's Transport, which Go Piko uses, allows 10 MiB; 1 MiB, the
request side's max-header-bytes, is already far above any real head.)`, { min: 1 })
  maxResponseHeaderBytes = 1_048_576;
}
