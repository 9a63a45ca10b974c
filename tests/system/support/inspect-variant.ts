import type { ExchangeListResponse } from '@piko/inspect';

/**
 * Traffic inspection's variant of a suite (issue 11: capturing must not change what is
 * forwarded). A variant file imports `./support/inspect-on` and then the suite; the suite adds
 * `inspectArgs()` to its `piko server` and, when `inspectVariant()`, checks that its exchanges were
 * captured. Module state, so per test file: the plain suite run in the same Jest process is unaffected.
 */
let enabled = false;

export function enableInspectVariant(): void {
  enabled = true;
}

export function inspectVariant(): boolean {
  return enabled;
}

/** Every endpoint captured, bodies kept up to 1 MiB, 256 MiB of captures: capture does real work on every exchange. */
export function inspectArgs(): string[] {
  return enabled ? ['--proxy.inspect.endpoints', '*', '--proxy.inspect.body-bytes', '1048576', '--proxy.inspect.max-memory', '268435456'] : [];
}

/** The exchanges captured for `endpointId` (throws unless the admin API answers 200). */
export async function capturedExchanges(adminUrl: string, endpointId: string): Promise<ExchangeListResponse['requests']> {
  const res = await fetch(`${adminUrl}/api/v1/endpoints/${endpointId}/requests?limit=1000`);
  if (res.status !== 200) throw new Error(`requests of ${endpointId}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as ExchangeListResponse).requests;
}
