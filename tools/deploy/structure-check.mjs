// Structural checks of one render's objects: names, selectors against template labels, probe
// and Service target ports against container ports, HPA and PDB targets, mounted ConfigMaps,
// $(VAR) references in args, and the restricted pod security settings of every container.
// (Schemas are tools/deploy/schema-check.mjs; relations between objects, tools/deploy/cross-check.mjs.)

import { selects } from './cross-check.mjs';

const id = (o) => `${o?.kind}/${o?.metadata?.name}`;

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP', 'status.podIPs'];

/** A label map selects these labels (an empty map selects nothing here: it would select every pod). */
const labelsMatch = (matchLabels, labels) => Object.keys(matchLabels ?? {}).length > 0 && selects({ matchLabels }, labels);

function containerHasPort(container, port) {
  return (container.ports ?? []).some((p) => p.name === port || p.containerPort === port);
}

/**
 * @param {Record<string, any>[]} objects one render
 * @param {string} source label for messages (the value set)
 * @returns {string[]} `<source> <Kind/name>: <problem>` lines
 */
export function structureProblems(objects, source) {
  const problems = [];
  const fail = (where, msg) => problems.push(`${where}: ${msg}`);
  const seen = new Set();
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata?.name));
  for (const o of objects) {
    const where = `${source} ${id(o)}`;
    for (const f of ['apiVersion', 'kind']) if (!o[f]) fail(where, `missing ${f}`);
    const name = o.metadata?.name;
    if (!name) fail(where, 'missing metadata.name');
    else if (!DNS1123.test(name) || name.length > 63) fail(where, 'metadata.name is not a DNS-1123 label of at most 63 characters');
    if (seen.has(id(o))) fail(where, 'duplicate object');
    seen.add(id(o));
    if (o.kind === 'Deployment') validateDeployment(o, where, configMaps, fail);
    if (o.kind === 'Service') {
      if (o.apiVersion !== 'v1') fail(where, `apiVersion ${o.apiVersion}, want v1`);
      const ports = o.spec?.ports ?? [];
      if (ports.length === 0) fail(where, 'no ports');
      const targets = deployments.filter((d) => labelsMatch(o.spec?.selector, d.spec?.template?.metadata?.labels));
      if (targets.length === 0) fail(where, `selector ${JSON.stringify(o.spec?.selector)} matches no Deployment's pods`);
      for (const p of ports) {
        if (!Number.isInteger(p.port)) fail(where, `port ${JSON.stringify(p)} has no numeric port`);
        if (ports.length > 1 && !p.name) fail(where, 'every port of a multi-port Service needs a name');
        const target = p.targetPort ?? p.port;
        for (const d of targets) {
          if (!d.spec.template.spec.containers.some((c) => containerHasPort(c, target))) fail(where, `targetPort ${target} is no container port of ${id(d)}`);
        }
      }
    }
    if (o.kind === 'PodDisruptionBudget') {
      if (o.apiVersion !== 'policy/v1') fail(where, `apiVersion ${o.apiVersion}, want policy/v1`);
      if ((o.spec?.minAvailable === undefined) === (o.spec?.maxUnavailable === undefined)) fail(where, 'set exactly one of minAvailable and maxUnavailable');
      if (!deployments.some((d) => labelsMatch(o.spec?.selector?.matchLabels, d.spec?.template?.metadata?.labels))) fail(where, 'selector matches no Deployment');
    }
    if (o.kind === 'HorizontalPodAutoscaler') {
      if (o.apiVersion !== 'autoscaling/v2') fail(where, `apiVersion ${o.apiVersion}, want autoscaling/v2`);
      const ref = o.spec?.scaleTargetRef;
      const target = deployments.find((d) => ref?.kind === 'Deployment' && d.metadata.name === ref?.name);
      if (!target) fail(where, `scaleTargetRef ${JSON.stringify(ref)} names no Deployment`);
      if (!(o.spec?.minReplicas >= 1 && o.spec?.maxReplicas >= o.spec?.minReplicas)) fail(where, 'need 1 <= minReplicas <= maxReplicas');
      const cpu = (o.spec?.metrics ?? []).some((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      if (!cpu) fail(where, 'no CPU metric');
      // Utilization targets are relative to requests: without a CPU request the HPA does nothing.
      if (target && !target.spec.template.spec.containers.every((c) => c.resources?.requests?.cpu)) fail(where, `${id(target)} has containers without a CPU request`);
    }
  }
  return problems;
}

function validateDeployment(d, where, configMaps, fail) {
  if (d.apiVersion !== 'apps/v1') fail(where, `apiVersion ${d.apiVersion}, want apps/v1`);
  const matchLabels = d.spec?.selector?.matchLabels;
  const podLabels = d.spec?.template?.metadata?.labels;
  if (!labelsMatch(matchLabels, podLabels)) fail(where, 'spec.selector.matchLabels do not match spec.template.metadata.labels');
  const pod = d.spec?.template?.spec ?? {};
  const containers = pod.containers ?? [];
  if (containers.length === 0) fail(where, 'no containers');
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const v of volumes.values()) {
    if (v.configMap && !configMaps.has(v.configMap.name)) fail(where, `volume ${v.name} mounts missing ConfigMap ${v.configMap.name}`);
  }
  const podSec = pod.securityContext ?? {};
  for (const c of containers) {
    const cw = `${where} container ${c.name}`;
    if (!c.name || !c.image) fail(cw, 'needs name and image');
    const names = (c.ports ?? []).map((p) => p.name).filter(Boolean);
    if (new Set(names).size !== names.length) fail(cw, 'duplicate port names');
    for (const n of names) if (n.length > 15 || !/^[a-z0-9-]+$/.test(n)) fail(cw, `port name ${n} is not an IANA service name`);
    for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const probe = c[kind];
      if (!probe) continue;
      const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
      if (port !== undefined && !containerHasPort(c, port)) fail(cw, `${kind} uses port ${port}, which the container does not declare`);
      if (port === undefined && !probe.exec) fail(cw, `${kind} has no handler`);
    }
    if (!c.readinessProbe) fail(cw, 'no readinessProbe');
    if (!c.livenessProbe) fail(cw, 'no livenessProbe');
    if (!c.resources?.requests?.memory || !c.resources?.limits?.memory) fail(cw, 'needs memory request and limit');
    const sec = c.securityContext ?? {};
    if (!(sec.runAsNonRoot ?? podSec.runAsNonRoot)) fail(cw, 'not runAsNonRoot');
    if (!((sec.runAsUser ?? podSec.runAsUser) > 0)) fail(cw, 'runAsUser must be a non-zero uid (the image user is a name)');
    if (sec.readOnlyRootFilesystem !== true) fail(cw, 'root filesystem is not read-only');
    if (sec.allowPrivilegeEscalation !== false) fail(cw, 'allowPrivilegeEscalation is not false');
    if (!(sec.capabilities?.drop ?? []).includes('ALL')) fail(cw, 'capabilities not dropped');
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) fail(cw, `volumeMount ${m.name} has no volume`);
    const envNames = new Set((c.env ?? []).map((e) => e.name));
    for (const e of c.env ?? []) {
      const path = e.valueFrom?.fieldRef?.fieldPath;
      if (path !== undefined && !FIELD_PATHS.includes(path)) fail(cw, `env ${e.name} uses unsupported fieldPath ${path}`);
    }
    for (const a of [...(c.command ?? []), ...(c.args ?? [])]) {
      for (const [, v] of String(a).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        // The kubelet leaves an undefined $(VAR) as it is, and Piko would get the literal text.
        if (!envNames.has(v)) fail(cw, `argument ${a} refers to undefined env ${v}`);
      }
    }
  }
}

