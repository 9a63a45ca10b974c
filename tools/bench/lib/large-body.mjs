// Large bodies through a path: one download and one upload of `bytes`, each by a separate client
// process, while the peak RSS of every process involved (client, upstream, the path's own) is
// sampled every 100 ms. Streams must stay streams: a path that buffers a body shows it here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RssSampler, log } from './processes.mjs';

const BODY_CLIENT = join(dirname(fileURLToPath(import.meta.url)), '..', 'body-client.mjs');

/**
 * Runs `mode` ('download' | 'upload') of `bytes` through `baseUrl`.
 * `processes` are the path's processes ({ name, pid, withDescendants? }) plus the upstream.
 * Returns { mode, bytes, seconds, mbPerSec, peakRss: { [name]: bytes } }.
 */
export async function runLargeBody({ registry, mode, baseUrl, headers = {}, bytes, processes, timeoutMs }) {
  let result = null;
  const args = [BODY_CLIENT, mode, baseUrl, String(bytes), JSON.stringify(headers)];
  const client = registry.spawn(`body-client-${mode}`, process.execPath, args, {
    onStdoutLine: (line) => {
      result = JSON.parse(line);
    },
  });
  const sampler = new RssSampler([...processes, { name: 'body-client', pid: client.pid }]).start();
  const timer = setTimeout(() => {
    log(`${mode}: no result after ${timeoutMs} ms; stopping the client`);
    registry.stop(client);
  }, timeoutMs);
  const exit = await client.exited;
  await client.stdoutDone;
  clearTimeout(timer);
  const peakRss = sampler.stop();
  if (exit.code !== 0 || !result) {
    throw new Error(`${mode} of ${bytes} bytes via ${baseUrl} failed (exit ${exit.code}, signal ${exit.signal}): ${client.stderrTail.trim()}`);
  }
  return {
    mode,
    bytes: result.bytes,
    seconds: result.seconds,
    mbPerSec: result.bytes / 1e6 / result.seconds,
    peakRss,
  };
}
