import { PassThrough, Duplex } from 'node:stream';
import { RelayHandshakeStatus, relayClientHandshake, relayServerHandshake } from './relay-handshake';

/** Two in-memory duplex ends wired to each other (what one writes, the other reads). */
function pipePair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const end = (readable: PassThrough, writable: PassThrough): Duplex =>
    new Duplex({
      read() {
        readable.once('readable', () => {
          let chunk: Buffer | null;
          while ((chunk = readable.read() as Buffer | null) !== null) this.push(chunk);
        });
        const chunk = readable.read() as Buffer | null;
        if (chunk) this.push(chunk);
      },
      write(chunk: Buffer, _enc, done) {
        writable.write(chunk, done);
      },
      final(done) {
        writable.end();
        done();
      },
    });
  const a = end(bToA, aToB);
  const b = end(aToB, bToA);
  aToB.on('end', () => b.push(null));
  bToA.on('end', () => a.push(null));
  return [a, b];
}

const SECRET = Buffer.from('cluster-secret-0123456789');

describe('relay handshake', () => {
  it('succeeds when both sides know the secret, and leaves later bytes for the session', async () => {
    const [proxy, gateway] = pipePair();
    await Promise.all([relayClientHandshake(proxy, { secret: SECRET }, 1_000), relayServerHandshake(gateway, { secret: SECRET, peerVerified: false }, 1_000)]);
    proxy.write('after');
    const got = await new Promise<Buffer>((resolve) => gateway.once('data', resolve));
    expect(got.toString()).toBe('after');
  });

  it('the gateway refuses a wrong secret (BAD_PROOF) and the proxy refuses a gateway with a wrong one', async () => {
    const [proxy, gateway] = pipePair();
    const [client, server] = await Promise.allSettled([
      relayClientHandshake(proxy, { secret: SECRET }, 1_000),
      relayServerHandshake(gateway, { secret: Buffer.from('other-secret-0123456789'), peerVerified: false }, 1_000),
    ]);
    // The proxy checks the gateway's proof first, so it is the one that notices, and never sends its own.
    expect(client).toMatchObject({ status: 'rejected', reason: { code: 'ERR_RELAY_AUTH_PROOF' } });
    expect(server.status).toBe('rejected');
  });

  it('the gateway refuses method NONE unless TLS verified the peer, and NONE when it wants the secret', async () => {
    const cases: Array<[{ secret?: Buffer }, { secret?: Buffer; peerVerified: boolean }, boolean]> = [
      [{}, { peerVerified: true }, true],
      [{}, { peerVerified: false }, false],
      [{}, { secret: SECRET, peerVerified: true }, false],
      [{ secret: SECRET }, { peerVerified: true }, false],
    ];
    for (const [clientAuth, serverAuth, ok] of cases) {
      const [proxy, gateway] = pipePair();
      const [client, server] = await Promise.allSettled([relayClientHandshake(proxy, clientAuth, 1_000), relayServerHandshake(gateway, serverAuth, 1_000)]);
      expect([client.status, server.status]).toEqual(ok ? ['fulfilled', 'fulfilled'] : ['rejected', 'rejected']);
      if (!ok) expect(client).toMatchObject({ reason: { code: 'ERR_RELAY_AUTH_REFUSED', status: RelayHandshakeStatus.MethodRefused } });
    }
  });

  it('the gateway refuses a connection that is not a relay hello', async () => {
    const [proxy, gateway] = pipePair();
    const refused = relayServerHandshake(gateway, { secret: SECRET, peerVerified: false }, 1_000);
    proxy.write(Buffer.alloc(38, 0)); // a yamux header and zeros: no magic
    await expect(refused).rejects.toMatchObject({ code: 'ERR_RELAY_AUTH_BAD_HELLO' });
  });

  it('times out a peer that stalls inside the handshake', async () => {
    const [, gateway] = pipePair();
    await expect(relayServerHandshake(gateway, { secret: SECRET, peerVerified: false }, 50)).rejects.toMatchObject({ code: 'ERR_RELAY_HEADER_TIMEOUT' });
  });
});
