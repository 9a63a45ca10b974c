import 'reflect-metadata';
import { gatewayRole } from '@piko/gateway';
import { runMain } from '@piko/observability';
import { runRole } from '@piko/runtime';

// The container's entry point: the same role as `piko gateway`, with the same flags and config.
void runMain(() => runRole(gatewayRole, process.argv.slice(2), process.env));
