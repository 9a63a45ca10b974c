/**
 * A process could not start for a reason its operator must fix (a port in use, an address this
 * host does not have). `message` is one line naming the setting (as its flag), the value and the
 * cause, e.g. `--proxy.bind-addr 127.0.0.1:8000: address already in use`. runRole prints it after
 * `piko: ` and the process exits 1 (config errors, found before anything starts, exit 2).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
