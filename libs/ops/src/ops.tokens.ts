/** Injection tokens of the ops endpoints; the composition root (an app) provides their values. */
export const OPS_READINESS = Symbol('OPS_READINESS');
export const OPS_METRICS_REGISTRY = Symbol('OPS_METRICS_REGISTRY');
