import { adminRole } from '@piko/admin';
import { gatewayRole } from '@piko/gateway';
import { proxyRole } from '@piko/proxy';
import { runRole } from '@piko/runtime';
import type { Command } from '../command';

export const proxyCommand: Command = {
  run: (argv, env) => runRole(proxyRole, argv, env),
};

export const gatewayCommand: Command = {
  run: (argv, env) => runRole(gatewayRole, argv, env),
};

export const adminCommand: Command = {
  run: (argv, env) => runRole(adminRole, argv, env),
};
