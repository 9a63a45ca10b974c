// Renders one of the chart's value sets with real helm (tools/deploy/render-chart.mjs) and
// materializes its Piko pods as the kubelet would start them (tools/deploy/pod-processes.mjs),
// for tests/system/deploy-boot-helm.test.ts. A separate script because Jest's CommonJS module
// system cannot import these ES modules.
//
//   node render-pods.mjs < {"valueSet": "default", "dir": "/tmp/x", "secrets": {"relay-secret": "…"}, "podIp": "127.0.0.1"}
//
// `secrets` replaces values of the operator's Secret (exampleSecrets) by key. Writes, on stdout,
// JSON: { pods: [{ deployment, replicas, role, argv, env, ports, readinessProbe, dir }] }, with
// `replicas` the Deployment's (or its autoscaler's minReplicas) and one pod per Deployment under `dir`.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleSecrets, renderChart, VALUE_SETS } from '../../../tools/deploy/render-chart.mjs';
import { podProcesses, secretData } from '../../../tools/deploy/pod-processes.mjs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const files = VALUE_SETS[input.valueSet];
if (!files) throw new Error(`unknown value set ${input.valueSet}`);
const objects = await renderChart(files);
const secrets = exampleSecrets(input.valueSet).map((s) => ({
  ...s,
  stringData: Object.fromEntries(Object.entries(s.stringData).map(([k, v]) => [k, input.secrets?.[k] ?? v])),
}));
const data = secretData(objects, secrets);

const pods = [];
for (const replica of [0, 1]) {
  const dir = join(input.dir, `replica-${replica}`);
  mkdirSync(dir, { recursive: true });
  const processes = podProcesses(objects, data, dir, { podIp: input.podIp, podName: (d) => `${d.metadata.name}-7d9f8c6b5-r${replica}x2k` });
  for (const p of processes) {
    const name = p.deployment.metadata.name;
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === name);
    const replicas = p.deployment.spec.replicas ?? hpa?.spec.minReplicas ?? 1;
    if (replica >= replicas) continue;
    pods.push({
      deployment: name,
      replica,
      replicas,
      role: p.role,
      argv: p.argv,
      env: p.env,
      ports: p.container.ports ?? [],
      readinessProbe: p.container.readinessProbe,
      dir: join(dir, `${name}-${p.container.name}`),
    });
  }
}
process.stdout.write(JSON.stringify({ pods }));
