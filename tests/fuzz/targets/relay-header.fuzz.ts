// Fuzz target: the relay header parser (libs/protocol/src/relay/relay-header.ts) over a stream
// fed in arbitrary chunks. Oracle: it resolves exactly when the bytes hold a whole version-1
// header, with the endpoint ID those bytes spell, leaving every later byte in the stream; it
// rejects with ERR_RELAY_VERSION for another version (once the 3-byte prefix is in) and
// ERR_RELAY_HEADER_TRUNCATED for a short input; never anything else.
import { PassThrough } from 'node:stream';
import { RelayHeaderError, readRelayRequest } from '@piko/protocol';
import { FuzzInput, chunked, nextTurn } from './fuzz-input';

function readRest(stream: PassThrough): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.once('end', () => resolve(Buffer.concat(parts)));
    stream.once('error', reject);
  });
}

export async function fuzz(data: Buffer): Promise<void> {
  const input = new FuzzInput(data);
  const maxChunk = 1 + input.int(16);
  const bytes = Buffer.from(input.rest());
  const stream = new PassThrough();
  const result = readRelayRequest(stream).then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  );
  for (const chunk of chunked(bytes, new FuzzInput(data), maxChunk)) {
    stream.write(chunk);
    await nextTurn();
  }
  stream.end();
  const outcome = await result;

  const headerLength = bytes.length >= 3 ? 3 + bytes.readUInt16BE(1) : Infinity;
  // The fixed 3-byte prefix is read whole before the version is judged.
  if (bytes.length >= 3 && bytes[0] !== 1) {
    if (!('err' in outcome) || !(outcome.err instanceof RelayHeaderError) || outcome.err.code !== 'ERR_RELAY_VERSION') {
      throw new Error(`version ${bytes[0]} not refused: ${JSON.stringify(outcome)}`);
    }
    return;
  }
  if (bytes.length < headerLength) {
    if (!('err' in outcome) || !(outcome.err instanceof RelayHeaderError) || outcome.err.code !== 'ERR_RELAY_HEADER_TRUNCATED') {
      throw new Error(`short header of ${bytes.length} bytes not refused as truncated: ${String((outcome as { err?: unknown }).err ?? JSON.stringify(outcome))}`);
    }
    return;
  }
  if (!('ok' in outcome)) throw new Error(`whole header refused: ${String(outcome.err)}`);
  const expected = bytes.subarray(3, headerLength).toString('utf8');
  if (outcome.ok.version !== 1 || outcome.ok.endpointId !== expected) {
    throw new Error(`decoded ${JSON.stringify(outcome.ok)}, expected endpoint ${JSON.stringify(expected)}`);
  }
  const rest = await readRest(stream);
  if (!rest.equals(bytes.subarray(headerLength))) throw new Error('bytes after the header were lost or changed');
}
