// Known-bad variants of docker-compose.yml (as `docker-compose config` resolves it), each with the
// problem tools/check-deploy.mjs must report for it: the check applies every one to a copy of the
// resolved services and fails if it stays silent, so a compose check that cannot fail is caught.

/**
 * A breakage: `mutate` changes the resolved services in place (`secrets` are the values the check
 * resolved the file with, by variable name); `expect` must match one reported problem.
 * @type {{ name: string, mutate: (services: Record<string, any>, secrets: Record<string, string>) => void, expect: RegExp }[]}
 */
export const COMPOSE_MUTATIONS = [
  {
    name: 'the relay secret on a proxy command line',
    mutate: (s, secrets) => {
      s['proxy-1'].command.push(`--relay.secret=${secrets.PIKO_RELAY_SECRET}`);
    },
    expect: /service proxy-1: an argument carries PIKO_RELAY_SECRET's value/,
  },
  {
    name: 'the NATS password on nats-server’s command line',
    mutate: (s, secrets) => {
      s.nats.command.push('--user', 'piko', '--pass', secrets.PIKO_NATS_PASSWORD);
    },
    expect: /service nats: an argument carries PIKO_NATS_PASSWORD's value/,
  },
  {
    name: 'the Redis password in the healthcheck’s arguments',
    mutate: (s, secrets) => {
      s.redis.healthcheck.test.push('--pass', secrets.PIKO_REDIS_PASSWORD);
    },
    expect: /service redis: an argument carries PIKO_REDIS_PASSWORD's value/,
  },
  {
    name: 'a gateway whose environment lacks the relay secret its config file expands',
    mutate: (s) => {
      delete s['gateway-2'].environment.PIKO_RELAY_SECRET;
    },
    expect: /service gateway-2: the config file uses \$PIKO_RELAY_SECRET, which the container's environment does not set/,
  },
  {
    name: 'a config path with no bind mount behind it',
    mutate: (s) => {
      s.admin.volumes = [];
    },
    expect: /service admin: --config.path \/etc\/piko\/piko.yaml is no bind-mounted file/,
  },
  {
    name: 'the admin port published on every interface',
    mutate: (s) => {
      s.admin.ports = ['8002:8002'];
    },
    expect: /service admin: publishes container port 8002 on every interface/,
  },
];
