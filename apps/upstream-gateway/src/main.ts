import 'reflect-metadata';
import { gatewayRole } from '@piko/gateway';
import { runRole } from '@piko/runtime';

// The container's entry point: the same role as `piko gateway`, with the same flags and config.
runRole(gatewayRole, process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`piko: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
