import { isValidEndpointId } from '@piko/protocol';
import { Matches, Max, Min, ValidateBy, type ValidationArguments } from 'class-validator';
import { DurationOption, IntOption, ListOption } from '../lib/option.decorators';

const at = (bound: 'least' | 'most', text: string) => ({
  message: (args: ValidationArguments) => `must be at ${bound} ${text} (got ${JSON.stringify(args.value)})`,
});

/** RFC 9110 §5.6.2 token (a header field name). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A media type or a family (`type/*`). */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/(\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/;

/**
 * Traffic inspection on the proxy (issue 11; not in Go Piko): which endpoints' exchanges each
 * proxy captures, and the bounds on what it keeps. Captures stay in the proxy's memory, never on
 * disk; see docs/security.md "Traffic inspection".
 */
export class InspectConfig {
  @ListOption(`
Endpoints whose requests are captured from start-up, or '*' for every endpoint.
Empty (the default): none, until switched on at run time from the admin API
(PUT /api/v1/endpoints/:id/inspect) or the status page.`, { placeholder: 'endpoints' })
  @ValidateBy({
    name: 'isEndpointList',
    validator: { validate: (v: unknown) => Array.isArray(v) && v.every((e) => e === '*' || (typeof e === 'string' && isValidEndpointId(e))) },
  }, { message: (args: ValidationArguments) => `must list endpoint IDs or '*' (got ${JSON.stringify(args.value)})` })
  endpoints: string[] = [];

  @IntOption(`
Exchanges kept per endpoint on each proxy: the last ones; the oldest goes first.`, { min: 1 })
  @Max(10_000, at('most', '10000'))
  ringSize = 100;

  @IntOption(`
Body bytes kept per direction of each exchange (the first ones; the total size
is always recorded). A request whose body is longer cannot be replayed.`, { min: 0 })
  @Max(1_048_576, at('most', '1048576 (1 MiB)'))
  bodyBytes = 16_384;

  @IntOption(`
Bytes all captures of one proxy may hold together (records, heads and kept
bodies, exchanges in flight included). The oldest captures of any endpoint are
dropped to make room; a body is cut where nothing more fits.`, { min: 65_536 })
  @Max(4_294_967_296, at('most', '4294967296 (4 GiB)'))
  maxMemory = 33_554_432;

  @ListOption(`
Header fields whose values are never kept (stored as '[redacted]'), besides
authorization, proxy-authorization, x-piko-authorization, cookie and
set-cookie, which always are.`, { placeholder: 'headers' })
  @Matches(TOKEN, { each: true, message: (args: ValidationArguments) => `must list header names (got ${JSON.stringify(args.value)})` })
  redactHeaders: string[] = [];

  @ListOption(`
Content types whose bodies are never kept (sizes still are), such as
'multipart/form-data' or 'image/*'.`, { placeholder: 'types' })
  @Matches(MEDIA_TYPE, { each: true, message: (args: ValidationArguments) => `must list media types such as text/html or image/* (got ${JSON.stringify(args.value)})` })
  omitContentTypes: string[] = [];

  @DurationOption(`
Longest a replay (POST /api/v1/requests/:id/replay) may take: sending the
request again through the proxy and reading its whole response.`)
  @Min(100, at('least', '100ms'))
  replayTimeout = 30_000;

  @IntOption(`
Replays this proxy sends, per second on average, whoever asks for them (every
admin node, and anything else that can send on NATS); more are refused (the
admin API answers 429) until the burst refills. A replay is real traffic to a
service, sent without proxy.auth.`, { min: 1 })
  @Max(10_000, { message: (args: ValidationArguments) => `must be at most 10000 (got ${JSON.stringify(args.value)})` })
  replayRate = 10;

  @IntOption(`
Replays this proxy sends at once before replay-rate applies.`, { min: 1 })
  @Max(10_000, { message: (args: ValidationArguments) => `must be at most 10000 (got ${JSON.stringify(args.value)})` })
  replayBurst = 20;
}
