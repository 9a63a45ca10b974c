/** Injection tokens of the proxy feature; the composition root (an app) provides their values. */
export const PROXY_OPTIONS = Symbol('PROXY_OPTIONS');
export const PROXY_LOGGER = Symbol('PROXY_LOGGER');
export const PROXY_METRICS = Symbol('PROXY_METRICS');
