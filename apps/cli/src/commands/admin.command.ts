import { adminRole } from '@piko/admin';
import { runRole } from '@piko/runtime';
import type { Command } from '../command';

/** `piko admin`. Its own module, so a node of one role never loads another role's library. */
export const adminCommand: Command = {
  run: (argv, env) => runRole(adminRole, argv, env),
};
