import { HeadTap, MAX_LOGGED_HEAD_BYTES } from './head-tap';

describe('HeadTap', () => {
  it('collects the header fields of a head split across chunks', () => {
    const tap = new HeadTap();
    tap.push(Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\nAuthori'));
    expect(tap.headers()).toEqual([]);
    tap.push(Buffer.from('zation: Bearer t\r\nX-Multi: 1\r\nX-Multi: 2\r\n\r\nbody bytes'));
    expect(tap.headers()).toEqual([
      ['Host', 'x'],
      ['Authorization', 'Bearer t'],
      ['X-Multi', '1'],
      ['X-Multi', '2'],
    ]);
  });

  it('skips an interim 100 Continue and keeps the final response head', () => {
    const tap = new HeadTap();
    tap.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok'));
    expect(tap.headers()).toEqual([['Content-Type', 'text/plain']]);
  });

  it('keeps a 101 head, and gives up on a head larger than its limit', () => {
    const upgrade = new HeadTap();
    upgrade.push(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'));
    expect(upgrade.headers()).toEqual([['Upgrade', 'websocket']]);
    const huge = new HeadTap();
    huge.push(Buffer.alloc(MAX_LOGGED_HEAD_BYTES + 1, 'a'));
    huge.push(Buffer.from('\r\n\r\n'));
    expect(huge.headers()).toEqual([]);
  });
});
