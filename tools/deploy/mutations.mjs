// Known-bad variants of a good render, each with the problem the deployment checks must report.
// tools/check-deploy.mjs applies every one to a copy of the render and fails if its check stays
// silent, so a check that cannot fail is itself caught.

const find = (objects, kind, name) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`mutation: no ${kind}/${name} in the render`);
  return o;
};
const container = (objects, name) => find(objects, 'Deployment', name).spec.template.spec.containers[0];
const ingressFor = (np, port) => np.spec.ingress.find((r) => (r.ports ?? []).some((p) => p.port === port));

/**
 * A breakage: `valueSet` names the render it applies to; `mutate` changes the objects (and may
 * return replacement operator Secrets); `expect` must match one reported problem.
 * @type {{ name: string, valueSet: string, mutate: (objects: any[], secrets: any[]) => any[] | void, expect: RegExp }[]}
 */
export const MUTATIONS = [
  {
    name: 'a misspelt container field',
    valueSet: 'default',
    mutate: (o) => {
      container(o, 'piko-proxy').readinesProbe = container(o, 'piko-proxy').readinessProbe;
    },
    expect: /piko-proxy: field 'readinesProbe': .*does not exist/,
  },
  {
    name: 'a port number as a string',
    valueSet: 'default',
    mutate: (o) => {
      container(o, 'piko-gateway').ports[0].containerPort = '8001';
    },
    expect: /piko-gateway: .*containerPort must be integer/,
  },
  {
    name: 'a Service sending to a port its pods do not have',
    valueSet: 'default',
    mutate: (o) => {
      find(o, 'Service', 'piko-admin').spec.ports[0].targetPort = 'metrics';
    },
    expect: /Service\/piko-admin: targetPort metrics is no container port of Deployment\/piko-admin/,
  },
  {
    name: 'the relay port open to every pod',
    valueSet: 'default',
    mutate: (o) => {
      delete ingressFor(find(o, 'NetworkPolicy', 'piko-gateway'), 'relay').from;
    },
    expect: /NetworkPolicy\/piko-gateway: .*relay port admits more than the proxy pods/,
  },
  {
    name: 'Redis reachable from another namespace',
    valueSet: 'default',
    mutate: (o) => {
      ingressFor(find(o, 'NetworkPolicy', 'piko-redis'), 'redis').from.push({ namespaceSelector: {} });
    },
    expect: /NetworkPolicy\/piko-redis: .*port redis admits more than Piko's pods/,
  },
  {
    name: 'the ops port open to everyone',
    valueSet: 'default',
    mutate: (o) => {
      delete ingressFor(find(o, 'NetworkPolicy', 'piko-proxy'), 'ops').from;
    },
    expect: /NetworkPolicy\/piko-proxy: .*port ops is open to every source/,
  },
  {
    name: 'a mounted API token',
    valueSet: 'default',
    mutate: (o) => {
      find(o, 'Deployment', 'piko-admin').spec.template.spec.automountServiceAccountToken = true;
    },
    expect: /Deployment\/piko-admin: pods mount a ServiceAccount token/,
  },
  {
    name: 'a Secret without the relay key',
    valueSet: 'default',
    mutate: (o, secrets) =>
      secrets.map((s) => {
        const stringData = { ...s.stringData };
        delete stringData['relay-secret'];
        return { ...s, stringData };
      }),
    expect: /Deployment\/piko-proxy: env PIKO_RELAY_SECRET reads Secret piko key relay-secret/,
  },
  {
    name: 'a gateway config without the relay secret',
    valueSet: 'default',
    mutate: (o) => {
      const cm = find(o, 'ConfigMap', 'piko-gateway');
      cm.data['config.yaml'] = cm.data['config.yaml'].replace(/^relay:\n {2}secret: .*\n/m, '');
    },
    expect: /Deployment\/piko-gateway container gateway: piko gateway would refuse to start: .*relay\.secret is required/,
  },
  {
    name: 'an admin that stops accepting at SIGTERM',
    valueSet: 'default',
    mutate: (o) => {
      const cm = find(o, 'ConfigMap', 'piko-admin');
      cm.data['config.yaml'] = cm.data['config.yaml'].replace(/^shutdown_delay: .*\n/m, '');
    },
    expect: /Deployment\/piko-admin container admin: shutdown_delay is 0/,
  },
  {
    name: 'a PDB that protects nothing',
    valueSet: 'default',
    mutate: (o) => {
      find(o, 'PodDisruptionBudget', 'piko-gateway').spec.maxUnavailable = 2;
    },
    expect: /Deployment\/piko-gateway: PodDisruptionBudget\/piko-gateway allows 2 of its 2 pods down at once/,
  },
  {
    name: 'no zone spread',
    valueSet: 'default',
    mutate: (o) => {
      const pod = find(o, 'Deployment', 'piko-proxy').spec.template.spec;
      pod.topologySpreadConstraints = pod.topologySpreadConstraints.filter((t) => t.topologyKey !== 'topology.kubernetes.io/zone');
    },
    expect: /Deployment\/piko-proxy: no topology spread across topology\.kubernetes\.io\/zone/,
  },
  {
    name: 'an autoscaled tier starting at 1',
    valueSet: 'default',
    mutate: (o) => {
      find(o, 'Deployment', 'piko-gateway').spec.replicas = 1;
    },
    expect: /Deployment\/piko-gateway: replicas 1 is not the HPA's minReplicas 2/,
  },
  {
    name: 'a TLS file path that is not mounted',
    valueSet: 'production',
    mutate: (o) => {
      const cm = find(o, 'ConfigMap', 'piko-admin');
      cm.data['config.yaml'] = cm.data['config.yaml'].replace('/etc/piko/tls/admin/tls.crt', '/etc/piko/tls/admin/missing.crt');
    },
    expect: /Deployment\/piko-admin container admin: piko admin would refuse to start: .*admin\.tls\.cert: cannot read/,
  },
  {
    name: 'an upstream auth key the environment does not provide',
    valueSet: 'production',
    mutate: (o) => {
      const env = container(o, 'piko-gateway').env;
      env.splice(env.findIndex((e) => e.name === 'PIKO_UPSTREAM_KEY'), 1);
    },
    expect: /Deployment\/piko-gateway container gateway: the config file uses \$PIKO_UPSTREAM_KEY, which the container's environment does not set/,
  },
  {
    name: 'a timeout on the agents\' route',
    valueSet: 'production',
    mutate: (o) => {
      delete find(o, 'HTTPRoute', 'piko-upstream').spec.rules[0].timeouts;
    },
    expect: /HTTPRoute\/piko-upstream: the upstream route keeps a request timeout/,
  },
  {
    name: 'a route to a port that does not exist',
    valueSet: 'production',
    mutate: (o) => {
      find(o, 'HTTPRoute', 'piko-proxy').spec.rules[0].backendRefs[0].port = 80;
    },
    expect: /HTTPRoute\/piko-proxy: backendRef piko-proxy port 80 is no port of the Service/,
  },
  {
    name: 'an upstream route host outside the Gateway listener and its certificate',
    valueSet: 'production',
    mutate: (o) => {
      find(o, 'HTTPRoute', 'piko-upstream').spec.hostnames = ['agents.example.net'];
    },
    expect: /HTTPRoute\/piko-upstream: hostname agents.example.net is outside listener https's \*.piko.example.com/,
  },
  {
    name: 'a route host two labels under a one-label wildcard certificate',
    valueSet: 'production',
    mutate: (o) => {
      find(o, 'HTTPRoute', 'piko-upstream').spec.hostnames = ['upstream.eu.piko.example.com'];
    },
    expect: /HTTPRoute\/piko-upstream: hostname upstream.eu.piko.example.com is not covered by Certificate\/piko-edge/,
  },
];
