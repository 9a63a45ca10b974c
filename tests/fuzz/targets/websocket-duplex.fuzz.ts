// Fuzz target: the WebSocket-to-stream adapter (libs/protocol/src/websocket-duplex.ts), driven by
// a scripted fake WebSocket: the input is a sequence of events (binary, text and empty messages,
// closes with codes, errors) and local actions (write, end, destroy, pause). Oracles: nothing
// throws; the bytes read are a prefix of the binary messages received, in order; the bytes sent
// are a prefix of the bytes written (plus, in half-close mode, the empty FIN marker).
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { webSocketDuplex } from '@piko/protocol';
import { FuzzInput, nextTurn } from './fuzz-input';

class FakeWebSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 1;
  isPaused = false;
  bufferedAmount = 0;
  readonly sent: Buffer[] = [];

  send(data: Buffer, _options: unknown, cb?: (err?: Error) => void): void {
    if (this.readyState !== this.OPEN) {
      queueMicrotask(() => cb?.(new Error('not open')));
      return;
    }
    this.sent.push(Buffer.from(data));
    queueMicrotask(() => cb?.());
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  close(code = 1005): void {
    if (this.readyState >= this.CLOSING) return;
    this.readyState = this.CLOSING;
    setImmediate(() => this.finish(code));
  }

  terminate(): void {
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSING;
    setImmediate(() => this.finish(1006));
  }

  /** The close handshake completed (or the peer closed): 'close' once. */
  finish(code: number): void {
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSED;
    this.emit('close', code, Buffer.alloc(0));
  }
}

const CLOSE_CODES = [1000, 1001, 1006, 1011, 4000];

export async function fuzz(data: Buffer): Promise<void> {
  const input = new FuzzInput(data);
  const halfClose = input.bool();
  const ws = new FakeWebSocket();
  const duplex = webSocketDuplex(ws as unknown as WebSocket, { halfClose });
  const read: Buffer[] = [];
  const received: Buffer[] = [];
  const written: Buffer[] = [];
  duplex.on('data', (c: Buffer) => read.push(c));
  duplex.on('error', () => undefined);
  let ended = false;
  for (let steps = 0; input.remaining > 0 && steps < 64; steps++) {
    const op = input.byte() % 10;
    if (op === 0 || op === 1) {
      const msg = Buffer.from(input.bytes(input.int(32)));
      if (ws.readyState === ws.OPEN && !ws.isPaused) {
        if (msg.length > 0 || !halfClose) received.push(msg);
        ws.emit('message', msg, true);
      }
    } else if (op === 2) {
      if (ws.readyState === ws.OPEN) ws.emit('message', Buffer.from('text'), false);
    } else if (op === 3) {
      if (ws.readyState === ws.OPEN) ws.emit('message', Buffer.alloc(0), true);
    } else if (op === 4) {
      const chunk = Buffer.from(input.bytes(1 + input.int(32)));
      if (!ended && !duplex.destroyed && !duplex.writableEnded) {
        written.push(chunk);
        duplex.write(chunk);
      }
    } else if (op === 5) {
      if (!duplex.writableEnded) {
        ended = true;
        duplex.end();
      }
    } else if (op === 6) {
      ws.finish(CLOSE_CODES[input.int(CLOSE_CODES.length - 1)]);
    } else if (op === 7) {
      ws.emit('error', new Error('fuzz'));
    } else if (op === 8) {
      duplex.destroy();
    } else if (input.bool()) {
      duplex.pause();
    } else {
      duplex.resume();
    }
    if (input.bool()) await nextTurn();
  }
  duplex.resume();
  await nextTurn();
  duplex.destroy();
  ws.finish(1000);
  await nextTurn();

  const gotRead = Buffer.concat(read);
  const allReceived = Buffer.concat(received);
  if (!allReceived.subarray(0, gotRead.length).equals(gotRead)) throw new Error('read bytes are not the received binary messages in order');
  const gotSent = Buffer.concat(ws.sent);
  const allWritten = Buffer.concat(written);
  if (!allWritten.subarray(0, gotSent.length).equals(gotSent)) throw new Error('sent bytes are not the written bytes in order');
}
