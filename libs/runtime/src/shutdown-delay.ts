import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@piko/observability';

/**
 * The first step of a proxy's, gateway's, admin's or combined server's shutdown, after `/ready` turned 503: keep serving and
 * accepting for `delayMs` (`shutdown_delay`, ms; 0 returns at once), because Kubernetes endpoints,
 * kube-proxy rules and ingress controllers take seconds to stop sending to a terminating pod, and
 * a port that closed at SIGTERM would refuse what they still send. Go Piko has no such delay.
 */
export async function waitShutdownDelay(delayMs: number, logger: Logger): Promise<void> {
  if (delayMs <= 0) return;
  logger.info('not ready; still accepting for shutdown_delay before draining', { delayMs });
  await sleep(delayMs);
}
