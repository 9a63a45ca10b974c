/**
 * Every API error: Go Piko's `{"error": "..."}` body plus a stable machine-readable `code`
 * (`invalid_argument` 400, `unauthorized` 401, `not_found` 404, `conflict` 409,
 * `unavailable` 503, `internal` 500). Validation errors list each problem in `details`.
 */
export interface ApiErrorBody {
  error: string;
  code: 'invalid_argument' | 'unauthorized' | 'not_found' | 'conflict' | 'rate_limited' | 'unavailable' | 'internal';
  details?: string[];
}
