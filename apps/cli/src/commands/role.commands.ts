import { adminRole } from '@piko/admin';
import { gatewayRole } from '@piko/gateway';
import { proxyRole } from '@piko/proxy';
import { runRole } from '@piko/runtime';
import type { Command } from '../command';

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run a proxy node of a cluster (needs Redis and NATS)',
  run: (argv, env) => runRole(proxyRole, argv, env),
};

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'Run an upstream gateway node of a cluster (needs Redis and NATS)',
  run: (argv, env) => runRole(gatewayRole, argv, env),
};

export const adminCommand: Command = {
  name: 'admin',
  summary: 'Run the admin node of a cluster (needs Redis and NATS)',
  run: (argv, env) => runRole(adminRole, argv, env),
};
