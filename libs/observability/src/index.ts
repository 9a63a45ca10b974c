// @piko/observability: structured logs with redaction, Prometheus metrics, readiness.
export type { Logger, LogFields, LogLevel } from './logger/logger';
export { noopLogger } from './logger/noop-logger';
export { createLogger, type LoggerOptions } from './logger/create-logger';
export { redact, redactText, isSensitiveKey, REDACTED } from './logger/redact';
export { subsystemMatch } from './logger/subsystem-match';
export { flatString } from './memory/flat-string';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics/create-metrics';
export { GO_DEFAULT_BUCKETS, GO_SIZE_BUCKETS } from './metrics/go-buckets';
export { counterReadAtScrape, gaugeReadAtScrape, knownLabelCounter } from './metrics/read-at-scrape';
export {
  Readiness,
  type CheckOptions,
  type CheckResult,
  type LifecycleState,
  type ReadinessReport,
} from './health/readiness';
export { onShutdownSignal, type ShutdownSignalOptions } from './shutdown/on-shutdown-signal';
export { runMain, type RunMainOptions } from './startup/run-main';
export { bindPort } from './startup/bind-port';
export { StartupError } from './startup/startup-error';
export {
  canonicalHeaderName,
  createHeaderFilter,
  createUrlHeaderFilter,
  isCredentialHeader,
  type HeaderLists,
  type HeaderValue,
  type LoggedHeaders,
} from './access-log/access-log-headers';
export { pikoVersion } from './version/piko-version';
export { createQueryFilter, stripQuery, type QueryLogging, type QueryMode } from './access-log/access-log-query';
