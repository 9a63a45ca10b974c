/*
 * The relay link handshake: how a proxy and a gateway prove to each other that they belong to
 * the same cluster, once per relay connection, before the yamux session starts. Nothing of the
 * yamux session, and so no relay stream and no byte for an upstream, is read by the gateway
 * until the handshake has succeeded.
 *
 * Two methods, chosen by configuration (the same on every node):
 *   HMAC (1)  `relay.secret` is set: a challenge-response with HMAC-SHA256 over fresh nonces of
 *             both sides, so each side proves it knows the secret without sending it, and a
 *             recorded handshake cannot be replayed. The proxy checks the gateway's proof before
 *             it sends its own: a fake relay (a forged address) learns nothing and gets no traffic.
 *   NONE (0)  no secret, and the relay is mutual TLS (`relay.tls.client_cas`): the TLS layer has
 *             already authenticated the proxy's certificate. A gateway accepts NONE only then.
 *
 * Messages (integers big endian; all sizes fixed):
 *
 *   1. proxy → gateway, HELLO, 38 bytes:
 *        'P' 'K' 'R' 'L' | version u8 = 1 | method u8 | proxy nonce (32 bytes)
 *   2. gateway → proxy, CHALLENGE, 65 bytes:
 *        status u8 | gateway nonce (32) | gateway proof (32)
 *      gateway proof = HMAC-SHA256(secret, "piko relay gateway" | proxy nonce | gateway nonce);
 *      zeros with method NONE. A status other than OK ends the handshake (the gateway closes).
 *   3. proxy → gateway, PROOF, 32 bytes (method HMAC only):
 *        proxy proof = HMAC-SHA256(secret, "piko relay proxy" | gateway nonce | proxy nonce)
 *   4. gateway → proxy, RESULT, 1 byte: status.
 *
 *   Status: 0 OK, 1 BAD_HELLO (not a relay hello, or an unknown version), 2 METHOD_REFUSED (the
 *   gateway requires the other method: the nodes' relay.secret settings differ),
 *   3 BAD_PROOF (wrong secret).
 *
 * The two proofs use different labels, so one side's proof can never be reflected as the other's.
 * The secret authenticates the ends, not what passes between them: a host that forwards the
 * bytes between a proxy and a real gateway passes the handshake and can then read and add
 * streams. Relay TLS (the proxy verifying the gateway's certificate) is what stops that.
 *
 * Versioning: a gateway refuses an unknown version with BAD_HELLO. A proxy from before this
 * handshake sends a yamux frame first, which is not a HELLO (BAD_HELLO, closed); a gateway from
 * before it reads the HELLO as a yamux frame of an unknown version and closes: either way the
 * mismatch is a refused connection, never an unauthenticated one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ProtocolError } from '../errors';
import { readExactly } from './relay-header';

export const RELAY_HANDSHAKE_MAGIC = Buffer.from('PKRL', 'latin1');
export const RELAY_HANDSHAKE_VERSION = 1;
const NONCE_BYTES = 32;
const PROOF_BYTES = 32;
const HELLO_BYTES = 4 + 1 + 1 + NONCE_BYTES;
const CHALLENGE_BYTES = 1 + NONCE_BYTES + PROOF_BYTES;

export enum RelayAuthMethod {
  None = 0,
  Hmac = 1,
}

export enum RelayHandshakeStatus {
  Ok = 0,
  BadHello = 1,
  MethodRefused = 2,
  BadProof = 3,
}

/**
 * Codes: ERR_RELAY_AUTH_BAD_HELLO, ERR_RELAY_AUTH_METHOD, ERR_RELAY_AUTH_PROOF (the peer's proof
 * is wrong: a different secret), ERR_RELAY_AUTH_REFUSED (the gateway refused us; `status` says why),
 * ERR_RELAY_HEADER_TRUNCATED / ERR_RELAY_HEADER_TIMEOUT (the connection ended or stalled inside
 * the handshake).
 */
export class RelayHandshakeError extends ProtocolError {
  constructor(
    message: string,
    code: string,
    readonly status?: RelayHandshakeStatus,
  ) {
    super(message, code);
  }
}

/** What the proxy side needs: the cluster secret (method HMAC), or none (method NONE, mutual TLS). */
export interface RelayClientAuth {
  secret?: Buffer;
}

/** What the gateway side needs: the secret it requires, or none, which it accepts only if the TLS layer verified the peer. */
export interface RelayServerAuth {
  secret?: Buffer;
  /** True when the connection is TLS and the proxy's certificate was verified against `relay.tls.client_cas`. */
  peerVerified: boolean;
}

const MESSAGES: Record<RelayHandshakeStatus, string> = {
  [RelayHandshakeStatus.Ok]: 'ok',
  [RelayHandshakeStatus.BadHello]: 'not a relay handshake, or an unknown version',
  [RelayHandshakeStatus.MethodRefused]: 'authentication method refused (relay.secret is set on one node but not the other)',
  [RelayHandshakeStatus.BadProof]: 'wrong relay.secret',
};

function proof(secret: Buffer, label: string, first: Buffer, second: Buffer): Buffer {
  return createHmac('sha256', secret).update(label).update(first).update(second).digest();
}

function proofMatches(expected: Buffer, got: Buffer): boolean {
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/**
 * The proxy's side, on a freshly connected socket. Resolves when the gateway accepted the link
 * (the socket then carries the yamux session); rejects with RelayHandshakeError, after which the
 * caller must destroy the socket. `timeoutMs` bounds each read (0: none).
 */
export async function relayClientHandshake(socket: Duplex, auth: RelayClientAuth, timeoutMs: number): Promise<void> {
  const method = auth.secret ? RelayAuthMethod.Hmac : RelayAuthMethod.None;
  const nonce = randomBytes(NONCE_BYTES);
  socket.write(Buffer.concat([RELAY_HANDSHAKE_MAGIC, Buffer.from([RELAY_HANDSHAKE_VERSION, method]), nonce]));
  const challenge = await readExactly(socket, CHALLENGE_BYTES, timeoutMs).catch((err: Error) => {
    throw closedError(err, 'waiting for the gateway challenge');
  });
  const status = challenge[0] as RelayHandshakeStatus;
  if (status !== RelayHandshakeStatus.Ok) throw refused(status);
  if (auth.secret) {
    const gatewayNonce = challenge.subarray(1, 1 + NONCE_BYTES);
    const gatewayProof = challenge.subarray(1 + NONCE_BYTES);
    if (!proofMatches(proof(auth.secret, 'piko relay gateway', nonce, gatewayNonce), gatewayProof)) {
      throw new RelayHandshakeError('the gateway does not know relay.secret (not a gateway of this cluster)', 'ERR_RELAY_AUTH_PROOF');
    }
    socket.write(proof(auth.secret, 'piko relay proxy', gatewayNonce, nonce));
  }
  const result = await readExactly(socket, 1, timeoutMs).catch((err: Error) => {
    throw closedError(err, 'waiting for the gateway to accept the proof');
  });
  if (result[0] !== RelayHandshakeStatus.Ok) throw refused(result[0] as RelayHandshakeStatus);
}

/**
 * The gateway's side, on an accepted (TLS-verified, when configured) socket. Resolves when the
 * proxy proved itself; otherwise answers the refusal, ends the socket and rejects with
 * RelayHandshakeError. `timeoutMs` bounds each read (0: none).
 */
export async function relayServerHandshake(socket: Duplex, auth: RelayServerAuth, timeoutMs: number): Promise<void> {
  const hello = await readExactly(socket, HELLO_BYTES, timeoutMs).catch((err: Error) => {
    throw closedError(err, 'waiting for the proxy hello');
  });
  if (!hello.subarray(0, 4).equals(RELAY_HANDSHAKE_MAGIC) || hello[4] !== RELAY_HANDSHAKE_VERSION) {
    throw refuse(socket, RelayHandshakeStatus.BadHello, 'ERR_RELAY_AUTH_BAD_HELLO');
  }
  const method = hello[5];
  const wanted = auth.secret ? RelayAuthMethod.Hmac : RelayAuthMethod.None;
  if (method !== wanted || (wanted === RelayAuthMethod.None && !auth.peerVerified)) {
    throw refuse(socket, RelayHandshakeStatus.MethodRefused, 'ERR_RELAY_AUTH_METHOD');
  }
  if (!auth.secret) {
    socket.write(Buffer.concat([Buffer.from([RelayHandshakeStatus.Ok]), Buffer.alloc(NONCE_BYTES + PROOF_BYTES)]));
    socket.write(Buffer.from([RelayHandshakeStatus.Ok]));
    return;
  }
  const proxyNonce = hello.subarray(6);
  const nonce = randomBytes(NONCE_BYTES);
  socket.write(Buffer.concat([Buffer.from([RelayHandshakeStatus.Ok]), nonce, proof(auth.secret, 'piko relay gateway', proxyNonce, nonce)]));
  const proxyProof = await readExactly(socket, PROOF_BYTES, timeoutMs).catch((err: Error) => {
    throw closedError(err, 'waiting for the proxy proof');
  });
  if (!proofMatches(proof(auth.secret, 'piko relay proxy', nonce, proxyNonce), proxyProof)) {
    throw refuse(socket, RelayHandshakeStatus.BadProof, 'ERR_RELAY_AUTH_PROOF');
  }
  socket.write(Buffer.from([RelayHandshakeStatus.Ok]));
}

function refuse(socket: Duplex, status: RelayHandshakeStatus, code: string): RelayHandshakeError {
  // A challenge-sized answer whatever the step, so a proxy waiting for either message reads the status.
  const answer = Buffer.alloc(CHALLENGE_BYTES);
  answer[0] = status;
  socket.end(answer);
  return new RelayHandshakeError(`relay handshake refused: ${MESSAGES[status]}`, code, status);
}

function refused(status: RelayHandshakeStatus): RelayHandshakeError {
  const reason = MESSAGES[status] ?? `unknown status ${status}`;
  return new RelayHandshakeError(`the gateway refused the relay link: ${reason}`, 'ERR_RELAY_AUTH_REFUSED', status);
}

function closedError(err: Error, step: string): RelayHandshakeError {
  const code = (err as { code?: string }).code ?? 'ERR_RELAY_HEADER_TRUNCATED';
  return new RelayHandshakeError(`relay handshake failed ${step}: ${err.message}`, code);
}
