import 'reflect-metadata';
import { runMain } from '@piko/observability';
import { runCli } from './cli';

void runMain(() => runCli(process.argv.slice(2), process.env));
