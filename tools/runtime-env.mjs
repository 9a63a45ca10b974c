// How every shipped launcher starts a piko process: the image (Dockerfile ENV and ENTRYPOINT) and
// `npm start` (package.json), both checked against this file by tools/check-deploy.mjs. The bench
// starts piko the same way, so it measures what ships. One source: change it here and there.
// Measured on `forward tcp` -> `server` -> `agent tcp` with iperf3 (docs/performance.md, "TCP:
// page faults and full GCs").
//
// glibc malloc (musl, as on Alpine, ignores both variables). By default glibc serves every
// allocation of 128 KiB or more with its own mmap() and hands the heap's free top back to the
// kernel once it passes 128 KiB (both limits then move with what the process frees). A relay
// allocates and drops 64-260 KiB buffers (socket reads, WebSocket frames) thousands of times a
// second, so freed pages went back to the kernel and each new buffer faulted them in again:
// 15,000-40,000 page faults a second in one process or another. With buffers under 4 MiB taken from
// the heap and up to 32 MiB of its free top kept, the processes take no page faults once warm.

/** Variables (name -> value) the launchers set; see the file comment. */
export const RUNTIME_ENV = Object.freeze({
  /** Allocations of at least this many bytes get their own mmap() (glibc default 128 KiB, adaptive). */
  MALLOC_MMAP_THRESHOLD_: String(4 * 1024 * 1024),
  /** Free heap top kept rather than handed back to the kernel (glibc default 128 KiB, adaptive). */
  MALLOC_TRIM_THRESHOLD_: String(32 * 1024 * 1024),
});

/**
 * Node flags the launchers pass before the script (V8 refuses --initial-old-space-size in NODE_OPTIONS).
 *
 * V8 starts a full GC as soon as the old generation's free room under its limit is smaller than
 * the young generation. A `piko server` with 26 MB live whose limit was set to about 50 MB after a
 * full GC (24 MB of room, a 32 MiB young generation) started the next one at once, over and over:
 * 40-110 mark-compacts in 4 s in about half of all runs, at 0.5-0.6x the throughput of a run
 * without.
 * --max-semi-space-size (MB): a young generation of at most 2 x 8 MiB; it also holds the dropped
 *   socket and frame buffers for half as long (V8 collects them every 2 x semi-space of external
 *   bytes): 11-14 MB less peak RSS in the server and gateway, 7 MB in the agent (full bench runs).
 * --initial-old-space-size (MB): no full GC while the old generation is under 64 MB, so its room is
 *   never under the young generation's size.
 * With both, no run of three had a full GC during the transfer, at 0.9-1.0x `ssh -L`.
 */
export const RUNTIME_NODE_FLAGS = Object.freeze(['--max-semi-space-size=8', '--initial-old-space-size=64']);

/** The settings as a shell command prefix, `VAR=value ... node --flag ...`, as `npm start` writes it. */
export function launchPrefix() {
  return [...Object.entries(RUNTIME_ENV).map(([name, value]) => `${name}=${value}`), 'node', ...RUNTIME_NODE_FLAGS].join(' ');
}
