export type * from './exchange-record';
export type { ExchangeObserver } from './exchange-observer';
export type { InspectHooks, InspectOptions } from './inspect-options';
export { Inspector, MAX_RUNTIME_SWITCHES } from './inspector';
export { HttpCapture } from './http-capture';
export { registerInspectMetrics } from './inspect-metrics';
export { ConnectionCapture, type ConnectionOutcome } from './connection-capture';
export { ExchangeStore, MAX_CHANGES_PER_ANSWER, type ExchangeChanges, type ExchangeStoreOptions } from './exchange-store';
export { CapturedExchange } from './captured-exchange';
export { BodyCapture } from './body-capture';
export { ALWAYS_REDACTED_HEADERS, HeaderRedactor, headerPairs, isRedactedHeader, REDACTED, redactHeaders, redactedHeaderSet } from './redact-headers';
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, parseStatusFilter, type ExchangeFilter } from './exchange-filter';
export { loopbackAddress, Replayer, type ProxyAddress, type ReplayEdits, type ReplayResult } from './replayer';
export { TokenBucket } from './token-bucket';
export {
  INSPECT_RPC_VERBS,
  learnSwitches,
  serveInspect,
  type InspectChangesReply,
  type InspectGetReply,
  type InspectListReply,
  type InspectReplayReply,
  type InspectStateReply,
  type InspectSwitchesReply,
} from './inspect-rpc';
