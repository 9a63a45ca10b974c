// Fuzz target: the relay header parser (libs/protocol/src/relay/relay-header.ts) over a stream
// fed in arbitrary chunks. Oracle: it resolves exactly when the bytes hold a whole version-1 or
// version-2 header, with the endpoint ID and RAW_TCP flag those bytes spell, leaving every later
// byte in the stream; it rejects with ERR_RELAY_VERSION for another version (once its byte is
// in) and ERR_RELAY_HEADER_TRUNCATED for a short input; never anything else.
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

  // Version 1: version, u16 length, ID. Version 2: version, flags, u16 length, ID.
  const version = bytes.length >= 1 ? bytes[0] : undefined;
  const prefix = version === 2 ? 4 : 3;
  const headerLength = bytes.length >= prefix ? prefix + bytes.readUInt16BE(prefix - 2) : Infinity;
  // The version is judged as soon as its byte is in.
  if (version !== undefined && version !== 1 && version !== 2) {
    if (!('err' in outcome) || !(outcome.err instanceof RelayHeaderError) || outcome.err.code !== 'ERR_RELAY_VERSION') {
      throw new Error(`version ${version} not refused: ${JSON.stringify(outcome)}`);
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
  const expected = bytes.subarray(prefix, headerLength).toString('utf8');
  const rawTcp = version === 2 && (bytes[1] & 1) === 1;
  if (outcome.ok.version !== version || outcome.ok.endpointId !== expected || outcome.ok.rawTcp !== rawTcp) {
    throw new Error(`decoded ${JSON.stringify(outcome.ok)}, expected version ${version}, endpoint ${JSON.stringify(expected)}, rawTcp ${rawTcp}`);
  }
  const rest = await readRest(stream);
  if (!rest.equals(bytes.subarray(headerLength))) throw new Error('bytes after the header were lost or changed');
}
