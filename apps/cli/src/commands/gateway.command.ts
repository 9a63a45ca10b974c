import { gatewayRole } from '@piko/gateway';
import { runRole } from '@piko/runtime';
import type { Command } from '../command';

/** `piko gateway`. Its own module, so a node of one role never loads another role's library. */
export const gatewayCommand: Command = {
  run: (argv, env) => runRole(gatewayRole, argv, env),
};
