import 'reflect-metadata';
import { adminRole } from '@piko/admin';
import { runMain } from '@piko/observability';
import { runRole } from '@piko/runtime';

// The container's entry point: the same role as `piko admin`, with the same flags and config.
void runMain(() => runRole(adminRole, process.argv.slice(2), process.env));
