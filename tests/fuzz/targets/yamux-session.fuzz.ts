// Fuzz target: a yamux Session's input path (frame decoder → session → streams), as a hostile
// peer drives it. Oracles: nothing throws (a stream 'error' without a listener would); while the
// peer does not read, what the session leaves in its connection's write buffer stays within
// maxQueuedControlBytes plus the few frames one incoming frame can cause; whatever the session
// writes is a well-formed yamux frame sequence.
import { Duplex } from 'node:stream';
import { FrameReader, FrameType, HEADER_SIZE, Session, type FrameHeader, type YamuxStream } from '@piko/protocol';
import { FuzzInput, chunked, nextTurn } from './fuzz-input';

/** Frames one incoming frame may add after the limit was crossed (ACK, RST, FIN, window update, GoAway…). */
const SLACK_BYTES = 16 * HEADER_SIZE;

class FakeConn extends Duplex {
  readonly written: Buffer[] = [];
  private readonly stuck: Array<() => void> = [];

  constructor(private readonly peerReads: boolean) {
    super();
  }

  override _read(): void {
    // the target pushes what the peer sends
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: () => void): void {
    this.written.push(chunk);
    if (this.peerReads) cb();
    else this.stuck.push(cb);
  }
}

function checkWellFormed(bytes: Buffer): void {
  const reader = new FrameReader({
    onHeader: (h: FrameHeader) => {
      if (h.version !== 0 || h.type > FrameType.GoAway) throw new Error(`session wrote a malformed frame ${JSON.stringify(h)}`);
    },
    onPayload: () => undefined,
    onPayloadEnd: () => undefined,
  });
  reader.push(bytes);
}

export async function fuzz(data: Buffer): Promise<void> {
  const input = new FuzzInput(data);
  const client = input.bool();
  const peerReads = input.bool();
  const endStreams = input.bool();
  const maxQueuedControlBytes = HEADER_SIZE + input.int(500);
  const budget = input.bool();
  const conn = new FakeConn(peerReads);
  const session = new Session(conn, {
    client,
    keepAliveInterval: 0,
    streamOpenTimeout: 0,
    streamCloseTimeout: 0,
    maxStreams: 1 + input.int(7),
    acceptBacklog: input.int(4),
    maxQueuedControlBytes,
    queuedControlTimeout: 0,
    // Rate 1/s: within one input the budget is just its burst, so runs are reproducible.
    maxFrameRate: budget ? 1 : 0,
    frameBurst: 1 + input.int(300),
  });
  session.on('error', () => undefined);
  session.on('stream', (stream: YamuxStream) => {
    stream.on('error', () => undefined);
    stream.resume();
    if (endStreams) stream.end();
  });
  const maxChunk = 1 + input.int(200);
  for (const chunk of chunked(input.rest(), input, maxChunk)) {
    conn.push(chunk);
    if (!peerReads && !session.isClosed && conn.writableLength > maxQueuedControlBytes + SLACK_BYTES) {
      throw new Error(`write buffer ${conn.writableLength} bytes over the limit ${maxQueuedControlBytes}`);
    }
    if (session.isClosed) break;
  }
  await nextTurn();
  if (!peerReads && !session.isClosed && conn.writableLength > maxQueuedControlBytes + SLACK_BYTES) {
    throw new Error(`write buffer ${conn.writableLength} bytes over the limit ${maxQueuedControlBytes} after a flush`);
  }
  session.close();
  await nextTurn();
  checkWellFormed(Buffer.concat(conn.written));
  conn.destroy();
}
