import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@piko/testing';
import type { ClusterNode } from './cluster';
import { TcpBalancer } from './tcp-balancer';

/**
 * A Kubernetes Service in front of one tier's pods, on loopback: new connections go round-robin
 * to the pods in its endpoints list, which (as the endpoints controller does) lists a pod from
 * when it is ready until some time after it turned not ready. `port` picks which of a node's
 * ports the Service targets (proxy, upstream or admin).
 */
export class ServiceOf {
  private readonly endpoints: ClusterNode[] = [];
  private readonly balancer: TcpBalancer;
  url = '';

  constructor(private readonly port: (node: ClusterNode) => number) {
    this.balancer = new TcpBalancer(() => this.endpoints.map(this.port));
  }

  async listen(): Promise<this> {
    this.url = `http://127.0.0.1:${await this.balancer.listen()}`;
    return this;
  }

  /** The pods it sends new connections to now. */
  get nodes(): ClusterNode[] {
    return [...this.endpoints];
  }

  add(node: ClusterNode): void {
    this.endpoints.push(node);
  }

  set(nodes: ClusterNode[]): void {
    this.endpoints.splice(0, this.endpoints.length, ...nodes);
  }

  remove(node: ClusterNode): void {
    this.endpoints.splice(this.endpoints.indexOf(node), 1);
  }

  close(): Promise<void> {
    return this.balancer.close();
  }
}

/** One request on a new connection (as kube-proxy forwards each new connection): its status, or 0 if it failed. */
export function getOnNewConnection(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * `workers` clients sending requests back to back until stopped; every status is kept (0: the
 * connection failed). A failed one waits 10 ms before the next, so a closed port is not hammered.
 */
export function loadOn(workers: number, send: () => Promise<number>): { stop(): Promise<number[]> } {
  const statuses: number[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const status = await send();
      statuses.push(status);
      if (status !== 200) await sleep(10);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

/** How a rollout replaces one pod (see rollingUpdate). */
export interface RolloutStep<N extends ClusterNode> {
  /** Starts the replacement and resolves once it is ready. */
  start(): Promise<N>;
  /** The Services that list pods of this tier. */
  services: ServiceOf[];
  /** Time a terminating pod stays in the Services' endpoints after /ready turned 503 (ms). */
  endpointsLagMs: number;
  /** Run after the lag, while the old pod is still in its shutdown_delay; it must still be running afterwards. */
  whileTerminating?(old: N): Promise<void>;
}

/**
 * A Deployment's rolling update with maxSurge 1, maxUnavailable 0, as the controller does it: for
 * each old pod, start a new one, wait until it is ready and add it to the Services, then SIGTERM
 * the old pod; it leaves the Services `endpointsLagMs` after its /ready answers 503 (kubelet probe,
 * endpoints controller, kube-proxy). Resolves with the new pods once every old pod has exited;
 * throws if one exits other than with code 0.
 */
export async function rollingUpdate<N extends ClusterNode>(olds: N[], step: RolloutStep<N>): Promise<N[]> {
  const news: N[] = [];
  const exits: Array<Promise<unknown>> = [];
  for (const old of olds) {
    const fresh = await step.start();
    news.push(fresh);
    for (const service of step.services) service.add(fresh);
    old.process.child.kill('SIGTERM');
    // 503 during a shutdown_delay; with none, the port may already be closed (0) by the first probe.
    await waitFor(`${old.process.name} not ready`, async () => ((await readyStatus(old)) !== 200 ? true : undefined), 10_000);
    await sleep(step.endpointsLagMs);
    if (step.whileTerminating) {
      await step.whileTerminating(old);
      if (!old.process.running) throw new Error(`${old.process.name} exited before its shutdown_delay ended:\n${old.process.logs}`);
    }
    for (const service of step.services) service.remove(old);
    exits.push(
      old.process.exited.then((exit) => {
        if (exit.code !== 0) throw new Error(`${old.process.name} exited ${JSON.stringify(exit)}:\n${old.process.logs}`);
      }),
    );
  }
  await Promise.all(exits);
  return news;
}

/** A node's /ready status (on its ops or admin port), or 0 when nothing answers. */
export async function readyStatus(node: ClusterNode): Promise<number> {
  return (await fetch(`${node.opsUrl}/ready`).catch(() => undefined))?.status ?? 0;
}
