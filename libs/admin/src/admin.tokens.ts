/** Injection tokens of the admin feature; the composition root (an app) provides their values. */
export const ADMIN_READINESS = Symbol('ADMIN_READINESS');
export const ADMIN_METRICS_REGISTRY = Symbol('ADMIN_METRICS_REGISTRY');
