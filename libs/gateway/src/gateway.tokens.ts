/** Injection tokens of the gateway feature; the composition root (an app) provides their values. */
export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');
export const GATEWAY_METRICS = Symbol('GATEWAY_METRICS');
