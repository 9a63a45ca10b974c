import { ArrayMaxSize, ValidateIf } from 'class-validator';
import { BoolOption, EnumOption, ListOption, Section } from '../lib/option.decorators';
import { LOG_LEVELS, type LogLevel } from './log.config';

/**
 * Which headers an access log record carries (Go Piko's `AccessLogHeaderConfig`, pkg/log). With
 * neither list set every header is logged; credential headers (Authorization, Cookie and the
 * like) are always logged as "[REDACTED]", even when allow-listed.
 */
export class AccessLogHeadersConfig {
  @ListOption(`
The ONLY headers to log (case-insensitive). Set at most one of allow-list and
block-list.`)
  allowList: string[] = [];

  @ListOption(`
Headers never to log (case-insensitive). Set at most one of allow-list and
block-list.`)
  @ValidateIf((o: AccessLogHeadersConfig) => o.allowList.length > 0)
  @ArrayMaxSize(0, { message: 'cannot be set together with allow_list (Go Piko refuses both too): keep one' })
  blockList: string[] = [];
}

/** `access_log.query`: what a record shows of a request-target's query string. */
export const ACCESS_LOG_QUERY_MODES = ['strip', 'redact', 'keep'] as const;

/**
 * The default of `access_log.redact_query_params`: names that carry credentials in the query
 * strings of common protocols (OAuth 2.0 RFC 6749/6750, OpenID Connect, AWS SigV4 presigned URLs,
 * Azure SAS, browsers' WebSocket tokens).
 */
export const DEFAULT_REDACTED_QUERY_PARAMS: readonly string[] = Object.freeze([
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'code',
  'client_secret',
  'password',
  'passwd',
  'secret',
  'key',
  'api_key',
  'apikey',
  'auth',
  'authorization',
  'jwt',
  'session',
  'sessionid',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]);

/**
 * An access log (Go Piko v0.9's `log.AccessLogConfig`): one record per request, at `level`
 * (server errors at least at warn), unless `disable` is set. Go Piko before v0.8 took a boolean
 * here; `true` and `false` are still accepted and mean `level: info` and `level: debug`, as the
 * boolean meant in Go (a request was then logged at info, or else at debug).
 */
export class AccessLogConfig {
  @EnumOption(LOG_LEVELS, `
Log level of access log records: 'debug', 'info', 'warn' or 'error'. Records of
responses with a 5xx status are logged at warn at least.`)
  level: LogLevel = 'info';

  @Section(() => AccessLogHeadersConfig)
  requestHeaders = new AccessLogHeadersConfig();

  @Section(() => AccessLogHeadersConfig)
  responseHeaders = new AccessLogHeadersConfig();

  @BoolOption(`
Disable the access log, so requests are not logged at all.`)
  disable = false;

  @EnumOption(ACCESS_LOG_QUERY_MODES, `
What records show of a request's query string, which often carries tokens:
'strip' (the path only, as Go Piko logs it), 'redact' (the query with the
values of redact-query-params replaced by "[REDACTED]") or 'keep' (all of it).`)
  query: (typeof ACCESS_LOG_QUERY_MODES)[number] = 'strip';

  @ListOption(`
Query parameters (case-insensitive) whose values 'redact' hides. Defaults to
common credential names: token, access_token, code, password, signature, …`)
  redactQueryParams: string[] = [...DEFAULT_REDACTED_QUERY_PARAMS];
}

/**
 * The old boolean form (`access_log: false`, `--proxy.access-log=false`): true logs each request
 * at info, false at debug. The header lists and `disable` are left as they are.
 */
export function applyAccessLogBoolean(target: AccessLogConfig, value: boolean): void {
  target.level = value ? 'info' : 'debug';
}
