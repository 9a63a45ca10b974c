import type { Readable } from 'node:stream';

/**
 * Calls `onIdle` when `body` (a request body being read) delivers no chunk for `idleMs` ms while
 * it flows. Time while the body is paused does not count: that is the proxy holding back (the
 * upstream's flow-control window is full), not the client going quiet. Each chunk restarts the
 * clock, so an upload of any length works as long as bytes keep coming (nginx's
 * `client_body_timeout`; `proxy.http.read_timeout` is the separate total). Returns the function
 * that stops watching; watching also stops at the body's end, close or the first `onIdle`.
 */
export function watchBodyIdle(body: Readable, idleMs: number, onIdle: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let counting = false;
  const fire = (): void => {
    stop();
    onIdle();
  };
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(fire, idleMs);
    counting = true;
  };
  const disarm = (): void => {
    clearTimeout(timer);
    counting = false;
  };
  // A chunk can still come just after a pause: it must not restart a stopped clock.
  const onData = (): void => {
    if (counting) timer?.refresh();
  };
  function stop(): void {
    disarm();
    body.off('data', onData);
    body.off('pause', disarm);
    body.off('resume', arm);
    body.off('end', stop);
    body.off('close', stop);
  }
  // Listening for 'data' adds nothing to the flow: the body is already piped (flowing).
  body.on('data', onData);
  body.on('pause', disarm);
  body.on('resume', arm);
  body.once('end', stop);
  body.once('close', stop);
  if (!body.isPaused()) arm();
  return stop;
}
