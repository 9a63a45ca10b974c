// @piko/ops: the Nest side of observability, kept apart so that processes without Nest (the
// agent, piko forward) never load it: /health, /ready, /metrics and Nest's logger bridge.
export { OpsModule, type OpsModuleDeps } from './ops.module';
export { NestLogger } from './nest-logger';
export { listenNest } from './listen-nest';
