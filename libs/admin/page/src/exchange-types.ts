/**
 * The inspection API's records as the page reads them: the types libs/inspect defines
 * (exchange-record.ts, types only, so nothing of the proxy's code enters the bundle), and the
 * replay's edits as `POST /api/v1/requests/:id/replay` takes them (docs/admin-api.md
 * "Traffic inspection").
 */
export type {
  CapturedBody,
  CapturedHead,
  ExchangeListResponse,
  ExchangeRecord,
  ExchangeSummary,
  InspectStateResponse as InspectState,
  ReplayResponse,
} from '@piko/inspect';

/** The edits a replay may carry (absent: as captured). */
export interface ReplayEdits {
  method?: string;
  path?: string;
  headers?: Array<[string, string]>;
  /** Base64. */
  body?: string;
}
