// Tables and targets of the scale suites (lib/scale.mjs): the 10,000-session gateway and the
// registration churn. Nothing here measures; nothing here asserts.
import { KiB, fmt, table } from './report.mjs';

const MB = 1e6;
const load = (r) => (r?.loadavg ? r.loadavg.map((n) => n.toFixed(1)).join(' / ') : '-');

export function scaleTable(s) {
  if (!s) return '(not run)';
  if (s.error) return `not run: ${s.error}`;
  const rows = [
    ['gateway (per upstream session)', fmt.mb(s.gateway.rssBefore), fmt.mb(s.gateway.rssAfter), fmt.kib(s.gateway.rssPer), fmt.kib(s.gateway.heapPer), fmt.kib(s.gateway.externalPer)],
    ['gateway, after one request per endpoint', fmt.mb(s.gatewayAfterRequests.rssBefore), fmt.mb(s.gatewayAfterRequests.rssAfter), fmt.kib(s.gatewayAfterRequests.rssPer), fmt.kib(s.gatewayAfterRequests.heapPer), fmt.kib(s.gatewayAfterRequests.externalPer)],
    ['proxy (per endpoint in its routing table)', fmt.mb(s.proxy.rssBefore), fmt.mb(s.proxy.rssAfter), fmt.kib(s.proxy.rssPer), fmt.kib(s.proxy.heapPer), fmt.kib(s.proxy.externalPer)],
    ['proxy, after one request per endpoint', fmt.mb(s.proxyAfterRequests.rssBefore), fmt.mb(s.proxyAfterRequests.rssAfter), fmt.kib(s.proxyAfterRequests.rssPer), fmt.kib(s.proxyAfterRequests.heapPer), fmt.kib(s.proxyAfterRequests.externalPer)],
  ];
  const check = s.routeCheck;
  return [
    `${s.connected} of ${s.sessions} sessions connected (${s.failed} failed${s.firstError ? `: ${s.firstError}` : ''}), each its own endpoint; all in the proxy's table ${fmt.num(s.registerSeconds, 1)} s after the client started; load average ${load(s)} (1 / 5 / 15 min)`,
    table(['process', 'RSS before', 'RSS after', 'RSS / unit', 'heap / unit', 'external / unit'], rows),
    `Redis used_memory: ${fmt.num(s.redis.bytesPerEndpoint, 1)} bytes per endpoint entry (${fmt.mb(s.redis.usedBefore)} -> ${fmt.mb(s.redis.usedAfter)})`,
    check ? `route check: ${check.ok} of ${check.requested} endpoints answered 200 "ok" through the proxy in ${fmt.num(check.seconds, 1)} s (${Object.entries(check.byStatus).map(([k, v]) => `${k} x${v}`).join(', ')}${check.errors ? `, ${check.errors} errors` : ''})${check.firstFailure ? `; first failure: ${check.firstFailure}` : ''}` : 'route check: no result',
  ].join('\n');
}

/**
 * What held the churn run below its offered rate, in words, most decisive first: the client's own
 * limits (sockets it could not open: not Piko's doing), the gateways (refused or reset connections,
 * accepted below the offered rate: CPU-bound when their processes were busy ~1 core each), the
 * client's pace; or nothing.
 */
export function churnLimits(c) {
  const cl = c.client ?? {};
  const codes = (pred) => Object.entries(cl.errors ?? {}).filter(([code]) => pred(code)).map(([code, n]) => `${code} x${n}`).join(', ');
  const local = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM']);
  const out = [];
  if (cl.failedLocal > 0) out.push(`the client's own limits: ${cl.failedLocal} sockets it could not open (${codes((k) => local.has(k))}; RLIMIT_NOFILE ${cl.nofile ?? '?'}, peak ${cl.peakSockets ?? '?'} sockets)`);
  if (c.acceptedPerSecond < 0.95 * c.rate || cl.failedByGateway > 0) {
    const gw = Object.entries(c.cores ?? {}).filter(([name]) => name.includes('gateway')).map(([name, n]) => `${name} ${fmt.num(n, 2)}`).join(', ');
    out.push(
      `the gateways: ${fmt.num(c.acceptedPerSecond)}/s accepted of ${fmt.num(c.rate)}/s offered, connect() -> 101 p50 ${fmt.ms((c.tcpConnect?.p50Ms ?? 0) + (c.upgrade?.p50Ms ?? 0))} ms` +
        `${cl.failedByGateway > 0 ? `, ${cl.failedByGateway} refused/reset/closed before 101 (${codes((k) => !local.has(k))})` : ''}; cores busy: ${gw}`,
    );
  }
  if ((cl.maxLagMs ?? 0) > 1000) out.push(`the client's pace: it fell up to ${fmt.num(cl.maxLagMs)} ms behind its schedule`);
  return out.length ? out.join('; ') : 'nothing: every offered session was accepted at the offered rate';
}

export function churnTable(c) {
  if (!c) return '(not run)';
  if (c.error) return `not run: ${c.error}`;
  const cl = c.client ?? {};
  const summary = (name, s) => [name, s.samples, fmt.ms(s.p50Ms), fmt.ms(s.p99Ms), fmt.ms(s.maxMs)];
  const cpu = Object.entries(c.cpuPerRegistrationMs ?? {}).map(([name, ms]) => `${name} ${ms === null ? '-' : ms.toFixed(3)}`).join(', ');
  const px = (c.proxies ?? []).map((p, i) => `proxy ${i + 1}: ${p.events} events, ${p.seqGaps} seq gaps, ${p.resyncs} resyncs, peak ${p.maxEndpoints} endpoints, ${p.endpointsAfter} left after`).join('; ');
  return [
    `offered ${fmt.num(c.rate)}/s for ${c.durationMs / 1000} s (${cl.offered} sessions, each held ${c.lifetimeMs / 1000} s) over 2 gateways; client achieved ${fmt.num(cl.achievedRate)}/s (lag up to ${fmt.num(cl.maxLagMs)} ms; ${cl.shards ?? 1} process(es) at RLIMIT_NOFILE ${cl.nofile ?? '?'} (${cl.nofileHow ?? '?'}), peak ${cl.peakSockets ?? '?'} sockets in one${cl.missing ? `; ${cl.missing} gave no totals` : ''}); ${cl.opened} upgraded, ${cl.failed} failed: ${cl.failedLocal ?? '?'} in the client, ${cl.failedByGateway ?? '?'} by the gateways${cl.firstError ? ` (first: ${cl.firstError})` : ''}; load average ${load(c)}`,
    `limited by: ${churnLimits(c)}`,
    table(
      ['measured (ms)', 'samples', 'p50', 'p99', 'max'],
      [
        summary(`upgraded (101) -> routable in all ${c.readers} watched routing tables`, c.propagation),
        summary('connect() -> routable in all watched tables (includes the accept queue)', c.sentToRoutable),
        summary('connect() -> TCP connected', c.tcpConnect),
        summary('TCP connected -> 101', c.upgrade),
      ],
    ),
    `registrations accepted: ${c.registrations} (${fmt.num(c.acceptedPerSecond)}/s from the first connect() to the last 101); never routable: ${c.propagation.notSeen}`,
    `CPU ms per registration (accept + register + deregister, by process): ${cpu}`,
    `per registration (from the start until every table emptied): ${Object.entries(c.perRegistration ?? {}).map(([k, v]) => `${k} ${v === null ? '-' : fmt.num(v, 2)}`).join(', ')}`,
    `cores busy on average from the start until every table emptied (${fmt.num((c.wallMs ?? 0) / 1000, 1)} s): ${Object.entries(c.cores ?? {}).map(([name, n]) => `${name} ${n === null ? '-' : n.toFixed(2)}`).join(', ')}`,
    `${px} (the last of two all-zero readings 1 s apart, or the reading at 30 s: ${fmt.num((c.settleMs ?? 0) / 1000, 1)} s after the clients exited; gateways: ${(c.gateways ?? []).map((g) => g.endpointsAfter).join(', ')} endpoints left)`,
  ].join('\n');
}

/** The scale targets (issue 9): pushed after report.evaluateTargets' own. */
export function scaleTargets(results) {
  const out = [];
  const push = (id, description, target, value, pass, note) => out.push({ id, description, target, value, status: value === null ? 'N/A' : pass ? 'PASS' : 'MISS', note: value === null ? note : undefined });
  {
    const s = results.scale;
    const ok = s && !s.error;
    const all = ok && s.routeCheck && s.routeCheck.ok === s.sessions && s.connected === s.sessions;
    const shown = ok ? `${fmt.mb(s.gateway.rssAfter)} with ${s.connected} sessions (${fmt.kib(s.gateway.rssPer)}/session; after a request each ${fmt.mb(s.gatewayAfterRequests.rssAfter)}); ${s.routeCheck?.ok ?? 0}/${s.sessions} routable from the proxy` : null;
    push('scale-10k-sessions', `${s?.sessions ?? '-'} idle upstream sessions (one endpoint each) on one gateway: gateway RSS, all routable`, '< 200 MB, all routable', shown, ok && all && s.gateway.rssAfter < 200 * MB, s?.error ?? 'not measured in this run');
    push('scale-proxy-memory-per-endpoint', 'proxy RSS per endpoint in its routing table (reported, no goal)', 'report', ok ? `${fmt.kib(s.proxy.rssPer)} (heap ${fmt.kib(s.proxy.heapPer)})` : null, true, s?.error ?? 'not measured in this run');
  }
  {
    const c = results.churn;
    const ok = c && !c.error;
    const rate = ok ? c.acceptedPerSecond : null;
    const shown = ok ? `${fmt.num(rate)}/s accepted of ${fmt.num(c.rate)}/s offered for ${c.durationMs / 1000} s; registered (101) -> routable at every watched table p99 ${fmt.ms(c.propagation.p99Ms)} ms (connect() -> routable p99 ${fmt.ms(c.sentToRoutable.p99Ms)} ms); load ${load(c)}` : null;
    push('churn-registrations', 'registrations/s through a cluster (2 gateways, 2 proxies): accepted rate, propagation p99', '>= 2,000/s for 60 s, p99 <= 50 ms', shown, ok && rate >= 2000 && c.durationMs >= 60000 && c.propagation.p99Ms <= 50 && c.propagation.notSeen === 0, c?.error ?? 'not measured in this run');
  }
  return out;
}
