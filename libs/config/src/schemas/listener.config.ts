import { IsNotEmpty } from 'class-validator';
import { IsUpstreamAddr } from '../lib/address.validators';
import { DurationOption, EnumOption, IntOption, Section, SectionOrBoolean, StringOption } from '../lib/option.decorators';
import { AccessLogConfig, applyAccessLogBoolean } from './access-log.config';
import { ClientTlsConfig } from './client-tls.config';
import { HttpClientConfig } from './http-client.config';

export const LISTENER_PROTOCOLS = ['http', 'tcp'] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];

/** One endpoint the agent registers, and the local service it forwards to (Go Piko's agent listener). */
export class ListenerConfig {
  @StringOption('Endpoint ID to register.')
  @IsNotEmpty({ message: 'is required' })
  endpointId = '';

  @StringOption(`
Address of the local service: a port ('3000', meaning localhost), host:port or
URL ('http://localhost:3000').`)
  @IsUpstreamAddr()
  addr = '';

  @EnumOption(LISTENER_PROTOCOLS, "Protocol to forward: 'http' or 'tcp'.")
  protocol: ListenerProtocol = 'http';

  @SectionOrBoolean(() => AccessLogConfig, `
Log each forwarded request at info ('true') or at debug ('false'), as Go Piko
before v0.8 took it; or a mapping of level, disable and header lists.`, applyAccessLogBoolean)
  accessLog = new AccessLogConfig();

  @DurationOption(`
Timeout forwarding a request to the local service: connecting, and waiting for
its response after the request was sent. 0 means no timeout (Go Piko requires
one).`)
  timeout = 15_000;

  @IntOption(`
HTTP: the longest first request line (method, target, version) the agent holds
before forwarding; a longer one gets '400 request line too long'. (Not a Go
Piko key; 1 MiB, Go's header limit.)`, { min: 1 })
  maxRequestLineBytes = 1_048_576;

  @IntOption(`
Connections to the local service this listener keeps open at once (one per
request, WebSocket or TCP connection in progress). Beyond it an HTTP request
gets '503' {"error":"endpoint busy"} and a TCP connection is closed. 0 means
no limit. (Not a Go Piko key.)`, { min: 0 })
  maxConnections = 512;

  @Section(() => HttpClientConfig)
  httpClient = new HttpClientConfig();

  @Section(() => ClientTlsConfig)
  tls = new ClientTlsConfig();
}
