/** Base of every error the cluster library raises; `code` is stable and machine-readable. */
export class ClusterError extends Error {
  constructor(
    message: string,
    public readonly code = 'ERR_CLUSTER',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The bus has no connection to publish on (never connected yet, or closed). */
export class BusUnavailableError extends ClusterError {
  constructor(message = 'cluster bus is not connected', options?: { cause?: unknown }) {
    super(message, 'ERR_BUS_UNAVAILABLE', options);
  }
}

/**
 * The registry's Redis cannot be reached (or did not answer in time). The message names the URL
 * (password redacted) and the cause: `redis redis://:***@10.0.0.5:6379: connect ECONNREFUSED 10.0.0.5:6379`.
 */
export class RegistryUnavailableError extends ClusterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_REGISTRY_UNAVAILABLE', options);
  }
}

/** The registry or bus was used after `close()`. */
export class ClusterClosedError extends ClusterError {
  constructor(what: string) {
    super(`${what} is closed`, 'ERR_CLUSTER_CLOSED');
  }
}

/** A bus message that does not match the event schema. */
export class InvalidEventError extends ClusterError {
  constructor(reason: string) {
    super(`invalid cluster event: ${reason}`, 'ERR_INVALID_EVENT');
  }
}
