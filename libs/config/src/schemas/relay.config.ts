import { MinLength, ValidateIf } from 'class-validator';
import { IsAdvertiseAddr, IsBindAddr } from '../lib/address.validators';
import { DurationOption, IntOption, Section, StringOption } from '../lib/option.decorators';
import { RelayTlsConfig } from './relay-tls.config';

/** The cluster-internal relay link: proxies open one stream per request to a gateway's relay port. */
export class RelayConfig {
  @StringOption(`
Host/port the gateway listens on for relay links from proxies: this host's or
pod's own address, such as '10.26.104.45:8003' (the pod IP in Kubernetes).
Loopback by default, so a gateway never opens its relay port on every interface
unless told to (':8003').`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = '127.0.0.1:8003';

  @StringOption(`
Relay address proxies dial, such as the pod IP '10.26.104.45:8003'.
Defaults to the bind address's IP, or this host's private IP when it has none.`, { placeholder: 'addr' })
  @IsAdvertiseAddr()
  advertiseAddr = '';

  @IntOption(`
Maximum concurrent streams on one proxy's relay connection to a gateway
(one stream per request in flight).`, { min: 1 })
  maxStreams = 65_536;

  @DurationOption(`
Gateway side: a relay stream must name its endpoint within this time.`)
  headerTimeout = 10_000;

  @IntOption(`
Gateway side: relay connections still proving themselves (the TLS and relay
handshakes, at most header-timeout per step) at once, so connections that never
finish a handshake cannot take every file descriptor. When all are taken, a new
connection evicts the one that has waited longest: a proxy's handshake takes a
few round trips, so idle connections holding every slot cannot lock proxies out.`, { min: 1 })
  maxHandshakes = 256;

  @IntOption(`
Gateway side: relay connections from one remote address in the handshake at
once; more from that address are closed as they arrive. Proxies open one
connection per gateway (a few while reconnecting), so they never come near it.`, { min: 1 })
  maxHandshakesPerAddress = 16;

  @DurationOption(`
Proxy side: how long a gateway may take to accept or refuse a relay stream.`)
  acceptTimeout = 10_000;

  @DurationOption(`
Proxy side: timeout connecting to a gateway's relay port.`)
  connectTimeout = 5_000;

  @DurationOption(`
Proxy side: after a failed connect to a gateway, dials to it fail at once for
this long instead of each waiting for a connect (a killed gateway stays in the
registry until its lease expires).`)
  connectRetryHold = 1_000;

  @StringOption(`
Shared secret of the cluster's relay link, the same on every proxy and gateway
(at least 16 characters; 32 random bytes, hex-encoded, recommended). Each relay
connection starts with an HMAC-SHA256 challenge-response on it, both ways, so
a gateway serves only proxies of this cluster and a proxy sends traffic only to
gateways of this cluster. Required unless the relay is mutual TLS
(relay.tls.client_cas on gateways, relay.tls.client.cert on proxies). Put it in
the config file with --config.expand-env ('\${PIKO_RELAY_SECRET}') rather than
on the command line.`)
  @ValidateIf((o: RelayConfig) => o.secret !== '')
  @MinLength(16, { message: 'must be at least 16 characters' })
  secret = '';

  @Section(() => RelayTlsConfig)
  tls = new RelayTlsConfig();

  // Flood protection on both ends of the relay link: see docs/architecture.md "Hostile peers".

  @IntOption(`
Bytes of control frames queued for the other end of a relay connection, above which
the connection is no longer read from.`, { min: 4096 })
  maxQueuedControlBytes = 4_194_304;

  @DurationOption(`
A relay connection whose other end leaves max-queued-control-bytes unread this long
is closed with a protocol error. 0 waits for as long as it takes.`)
  queuedControlTimeout = 5_000;

  @IntOption(`
Frames per second the other end of a relay connection may send on average; beyond
that plus frame-burst the connection is closed with a protocol error. 0 disables.`, { min: 0 })
  maxFrameRate = 300_000;

  @IntOption(`
Frames the other end of a relay connection may send at once above max-frame-rate.`, { min: 1 })
  frameBurst = 600_000;
}
