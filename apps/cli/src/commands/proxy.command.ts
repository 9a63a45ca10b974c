import { proxyRole } from '@piko/proxy';
import { runRole } from '@piko/runtime';
import type { Command } from '../command';

/** `piko proxy`. Its own module, so a node of one role never loads another role's library. */
export const proxyCommand: Command = {
  run: (argv, env) => runRole(proxyRole, argv, env),
};
