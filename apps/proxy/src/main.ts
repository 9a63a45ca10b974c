import 'reflect-metadata';
import { proxyRole } from '@piko/proxy';
import { runMain } from '@piko/observability';
import { runRole } from '@piko/runtime';

// The container's entry point: the same role as `piko proxy`, with the same flags and config.
void runMain(() => runRole(proxyRole, process.argv.slice(2), process.env));
