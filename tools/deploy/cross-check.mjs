// Checks between the objects of one render, what a schema cannot see: identities, Secrets,
// NetworkPolicies, Gateway API routes, Certificates, disruption budgets, autoscaling and spread.
// (Selectors vs labels and probe/Service ports vs container ports are in tools/check-deploy.mjs.)

const id = (o) => `${o?.kind}/${o?.metadata?.name}`;
const PIKO_COMPONENTS = ['proxy', 'gateway', 'admin', 'server'];
const component = (o) => o?.metadata?.labels?.['app.kubernetes.io/component'];
/** Component of a Deployment's pods. */
const podComponent = (d) => d.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'];

/** Does a label selector ({matchLabels, matchExpressions}) select these labels? Empty selects all. */
export function selects(selector, labels = {}) {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return values.includes(labels[key]);
    if (operator === 'NotIn') return !values.includes(labels[key]);
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    return false;
  });
  return byLabels && byExpressions;
}

/** Keys each Secret offers: the operator's Secrets, and what a rendered Certificate writes. */
function secretKeys(objects, operatorSecrets) {
  const keys = new Map();
  for (const s of operatorSecrets) keys.set(s.metadata.name, new Set(Object.keys({ ...s.data, ...s.stringData })));
  for (const c of objects.filter((o) => o.kind === 'Certificate')) keys.set(c.spec.secretName, new Set(['tls.crt', 'tls.key', 'ca.crt']));
  return keys;
}

/**
 * Problems between the objects of one render.
 * @param {Record<string, any>[]} objects the rendered objects
 * @param {Record<string, any>[]} operatorSecrets the Secrets created before installing (render-chart's exampleSecrets)
 * @param {string} where label for messages (the value set)
 * @returns {string[]} `<where> <Kind/name>: <problem>` lines
 */
export function crossObjectProblems(objects, operatorSecrets, where) {
  const problems = [];
  const fail = (o, msg) => problems.push(`${where} ${id(o)}: ${msg}`);
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const deployments = byKind('Deployment');
  const pikoDeployments = deployments.filter((d) => PIKO_COMPONENTS.includes(podComponent(d)));
  const secrets = secretKeys(objects, operatorSecrets);
  const accounts = new Map(byKind('ServiceAccount').map((a) => [a.metadata.name, a]));
  const services = new Map(byKind('Service').map((s) => [s.metadata.name, s]));

  for (const a of accounts.values()) if (a.automountServiceAccountToken !== false) fail(a, 'automountServiceAccountToken is not false');

  for (const d of deployments) {
    const pod = d.spec.template.spec;
    const labels = d.spec.template.metadata.labels;
    // Identity: a ServiceAccount of its own, no API token.
    if (pod.automountServiceAccountToken !== false) fail(d, 'pods mount a ServiceAccount token');
    if (!pod.serviceAccountName) fail(d, 'runs as the namespace default ServiceAccount');
    else if (!accounts.has(pod.serviceAccountName)) fail(d, `serviceAccountName ${pod.serviceAccountName} is not rendered`);
    else if ([...deployments].some((o) => o !== d && o.spec.template.spec.serviceAccountName === pod.serviceAccountName)) {
      fail(d, `shares ServiceAccount ${pod.serviceAccountName} with another Deployment`);
    }
    // Every Secret reference resolves to a key that exists before the pod starts.
    for (const c of pod.containers) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !secrets.get(ref.name)?.has(ref.key)) fail(d, `env ${e.name} reads Secret ${ref.name} key ${ref.key}, which neither the operator's Secrets nor a Certificate provide`);
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret && !secrets.has(v.secret.secretName)) fail(d, `volume ${v.name} mounts Secret ${v.secret.secretName}, which neither the operator's Secrets nor a Certificate provide`);
    }
    // Every pod is behind a NetworkPolicy.
    if (!byKind('NetworkPolicy').some((np) => selects(np.spec.podSelector, labels))) fail(d, 'no NetworkPolicy selects its pods');
  }

  for (const d of pikoDeployments) {
    const labels = d.spec.template.metadata.labels;
    const name = d.metadata.name;
    const spread = d.spec.template.spec.topologySpreadConstraints ?? [];
    for (const key of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']) {
      if (!spread.some((t) => t.topologyKey === key && selects(t.labelSelector, labels))) fail(d, `no topology spread across ${key} selecting its own pods`);
    }
    const hpa = byKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef?.name === name);
    // An autoscaled tier starts at its minimum (Kubernetes' default would be 1).
    if (hpa && d.spec.replicas !== hpa.spec.minReplicas) fail(d, `replicas ${d.spec.replicas} is not the HPA's minReplicas ${hpa.spec.minReplicas}`);
    const least = hpa ? hpa.spec.minReplicas : d.spec.replicas;
    const pdb = byKind('PodDisruptionBudget').find((p) => selects(p.spec.selector, labels));
    if (!pdb) fail(d, 'no PodDisruptionBudget protects it');
    else if (Number.isInteger(pdb.spec.maxUnavailable) && pdb.spec.maxUnavailable >= least) {
      fail(d, `${id(pdb)} allows ${pdb.spec.maxUnavailable} of its ${least} pods down at once: it protects nothing`);
    }
  }

  problems.push(...networkPolicyProblems(objects, deployments, where));

  for (const c of byKind('Certificate')) {
    const used =
      deployments.some((d) => (d.spec.template.spec.volumes ?? []).some((v) => v.secret?.secretName === c.spec.secretName)) ||
      byKind('Gateway').some((g) => g.spec.listeners.some((l) => (l.tls?.certificateRefs ?? []).some((r) => r.name === c.spec.secretName)));
    if (!used) fail(c, `its Secret ${c.spec.secretName} is used by no pod and no Gateway`);
    if (!c.spec.issuerRef?.name) fail(c, 'no issuerRef');
  }
  for (const g of byKind('Gateway')) {
    for (const l of g.spec.listeners) {
      for (const r of l.tls?.certificateRefs ?? []) if (!secrets.has(r.name)) fail(g, `listener ${l.name} uses Secret ${r.name}, which nothing provides`);
    }
  }
  for (const r of byKind('HTTPRoute')) {
    for (const p of r.spec.parentRefs ?? []) {
      const gateway = byKind('Gateway').find((g) => g.metadata.name === p.name);
      if (gateway && p.sectionName && !gateway.spec.listeners.some((l) => l.name === p.sectionName)) fail(r, `parentRef sectionName ${p.sectionName} is no listener of ${id(gateway)}`);
    }
    for (const rule of r.spec.rules ?? []) {
      for (const b of rule.backendRefs ?? []) {
        const svc = services.get(b.name);
        if (!svc) fail(r, `backendRef ${b.name} is no rendered Service`);
        else if (!svc.spec.ports.some((p) => p.port === b.port)) fail(r, `backendRef ${b.name} port ${b.port} is no port of the Service`);
        const served = svc && pikoDeployments.filter((d) => selects({ matchLabels: svc.spec.selector }, d.spec.template.metadata.labels));
        // Behind a Gateway, TLS ends at the Gateway: a backend port that serves TLS itself would get plain HTTP.
        for (const d of served ?? []) {
          const port = svc.spec.ports.find((p) => p.port === b.port)?.targetPort;
          if ((d.spec.template.spec.volumes ?? []).some((v) => v.name === `tls-${port}`)) fail(r, `backend ${b.name} serves TLS on ${port}; the route sends plain HTTP`);
        }
      }
      const upstream = (rule.backendRefs ?? []).some((b) => services.get(b.name)?.spec.ports.some((p) => p.targetPort === 'upstream'));
      if (upstream && rule.timeouts?.request !== '0s') fail(r, 'the upstream route keeps a request timeout: agents hold one WebSocket for hours');
    }
    // A route attaches only where its hostnames intersect the listener's, and its clients get the
    // listener's certificate: a host outside either is silently not routed, or fails TLS.
    for (const p of r.spec.parentRefs ?? []) {
      const gateway = byKind('Gateway').find((g) => g.metadata.name === p.name);
      const listener = gateway?.spec.listeners.find((l) => l.name === p.sectionName);
      if (!listener) continue;
      for (const host of r.spec.hostnames ?? []) {
        if (listener.hostname && !listenerMatches(listener.hostname, host)) fail(r, `hostname ${host} is outside listener ${listener.name}'s ${listener.hostname}: the route would not attach`);
        for (const ref of listener.tls?.certificateRefs ?? []) {
          const cert = byKind('Certificate').find((c) => c.spec.secretName === ref.name);
          if (cert && !cert.spec.dnsNames.some((n) => certificateCovers(n, host))) fail(r, `hostname ${host} is not covered by ${id(cert)} (${cert.spec.dnsNames.join(', ')})`);
        }
      }
    }
  }
  return problems;
}

/** Gateway API hostname matching: `*.a.b` matches any name with one or more labels before `.a.b`. */
function listenerMatches(listenerHost, host) {
  if (listenerHost.startsWith('*.')) return host.endsWith(listenerHost.slice(1)) || host === listenerHost;
  return host === listenerHost;
}

/** TLS name matching (RFC 6125 6.4.3): a wildcard covers exactly one label; `*.a.b` as a route host needs that same wildcard. */
function certificateCovers(dnsName, host) {
  if (dnsName === host) return true;
  if (!dnsName.startsWith('*.') || host.startsWith('*.')) return false;
  return host.slice(host.indexOf('.')) === dnsName.slice(1);
}

/**
 * The NetworkPolicy promises: each policy selects pods; every port it names is a container port
 * of them; every container port is admitted by some rule (else it is dead); the relay port only
 * from the pods that proxy; NATS and Redis only from Piko pods; admin and ops ports never from
 * everyone; only the proxy and upstream ports open to every source.
 */
function networkPolicyProblems(objects, deployments, where) {
  const problems = [];
  const fail = (o, msg) => problems.push(`${where} ${id(o)}: ${msg}`);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const podsOf = (peer) => deployments.filter((d) => peer.podSelector && !peer.namespaceSelector && selects(peer.podSelector, d.spec.template.metadata.labels));
  for (const np of policies) {
    const targets = deployments.filter((d) => selects(np.spec.podSelector, d.spec.template.metadata.labels));
    if (targets.length === 0) fail(np, 'selects no pods');
    if (!(np.spec.policyTypes ?? []).includes('Ingress')) fail(np, 'does not restrict ingress');
    for (const d of targets) {
      const containerPorts = d.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
      const rules = np.spec.ingress ?? [];
      for (const rule of rules) {
        for (const p of rule.ports ?? []) {
          if (!containerPorts.some((cp) => cp.name === p.port || cp.containerPort === p.port)) fail(np, `port ${p.port} is no container port of ${id(d)}`);
        }
        for (const peer of rule.from ?? []) {
          if (peer.podSelector && !peer.namespaceSelector && podsOf(peer).length === 0) fail(np, `a peer selects no rendered pods: ${JSON.stringify(peer.podSelector)}`);
        }
      }
      for (const cp of containerPorts) {
        const admitting = rules.filter((r) => !r.ports || r.ports.some((p) => p.port === cp.name || p.port === cp.containerPort));
        const open = admitting.some((r) => !r.from || r.from.length === 0);
        const sources = admitting.flatMap((r) => r.from ?? []);
        const fromPods = new Set(sources.flatMap((peer) => podsOf(peer).map(podComponent)));
        const own = component(d) ?? podComponent(d);
        if (admitting.length === 0 && !['ops', 'monitor', 'admin'].includes(cp.name)) fail(np, `${id(d)} port ${cp.name} is admitted by no rule`);
        if (cp.name === 'relay') {
          const wanted = own === 'server' ? ['server'] : ['proxy'];
          if (open || sources.some((peer) => !peer.podSelector || peer.namespaceSelector) || [...fromPods].some((c) => !wanted.includes(c))) {
            fail(np, `${id(d)} relay port admits more than the ${wanted[0]} pods`);
          }
        } else if (['client', 'redis'].includes(cp.name) && ['nats', 'redis'].includes(podComponent(d))) {
          if (open || sources.some((peer) => !peer.podSelector || peer.namespaceSelector) || [...fromPods].some((c) => !PIKO_COMPONENTS.includes(c))) {
            fail(np, `${id(d)} port ${cp.name} admits more than Piko's pods`);
          }
        } else if (open && !['proxy', 'upstream'].includes(cp.name)) {
          fail(np, `${id(d)} port ${cp.name} is open to every source`);
        }
      }
    }
  }
  return problems;
}
