import { StartupError } from './startup-error';

// Node's listen() error codes in words an operator acts on (see listen(2), getaddrinfo(3)).
const LISTEN_CAUSES: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this host',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  EAFNOSUPPORT: 'address family not supported',
};

/**
 * Runs `listen` (which opens the port configured by `setting`, e.g. the flag `--proxy.bind-addr`,
 * set to `addr`) and turns a listen failure into a StartupError naming both and the cause:
 * `--proxy.bind-addr 127.0.0.1:8000: address already in use`. Other errors pass through unchanged.
 *
 * @throws StartupError when the port cannot be opened (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND…).
 */
export async function bindPort<T>(setting: string, addr: string, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const syscall = (err as NodeJS.ErrnoException).syscall;
    if (!code || !(code in LISTEN_CAUSES || syscall === 'listen' || syscall === 'getaddrinfo')) throw err;
    throw new StartupError(`${setting} ${addr}: ${LISTEN_CAUSES[code] ?? `${code}: ${(err as Error).message}`}`, { cause: err });
  }
}
