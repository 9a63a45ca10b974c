import type { IncomingMessage } from 'node:http';
import { websocketOriginAllowed } from './websocket-origin';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('websocketOriginAllowed', () => {
  it('accepts a handshake without Origin (agents, piko forward, curl)', () => {
    expect(websocketOriginAllowed(req({ host: 'piko.example.com' }), [])).toBe(true);
  });

  it("accepts the request's own origin, whatever the scheme and letter case (gorilla's checkSameOrigin)", () => {
    expect(websocketOriginAllowed(req({ host: 'piko.example.com:8000', origin: 'http://piko.example.com:8000' }), [])).toBe(true);
    expect(websocketOriginAllowed(req({ host: 'Piko.Example.com', origin: 'https://piko.example.COM' }), [])).toBe(true);
  });

  it('refuses another origin, a lookalike, another port, null and garbage', () => {
    const host = { host: 'piko.example.com' };
    for (const origin of ['https://evil.example', 'https://piko.example.com.evil.example', 'https://piko.example.com:8443', 'null', 'not a url', 'file://']) {
      expect(websocketOriginAllowed(req({ ...host, origin }), [])).toBe(false);
    }
    expect(websocketOriginAllowed(req({ origin: 'https://piko.example.com' }), [])).toBe(false);
  });

  it('accepts listed origins exactly (case-insensitive) and anything with *', () => {
    const allowed = ['https://app.example.com', 'http://localhost:3000'];
    expect(websocketOriginAllowed(req({ host: 'piko', origin: 'https://APP.example.com' }), allowed)).toBe(true);
    expect(websocketOriginAllowed(req({ host: 'piko', origin: 'http://localhost:3000' }), allowed)).toBe(true);
    expect(websocketOriginAllowed(req({ host: 'piko', origin: 'http://app.example.com' }), allowed)).toBe(false);
    expect(websocketOriginAllowed(req({ host: 'piko', origin: 'http://localhost:3001' }), allowed)).toBe(false);
    expect(websocketOriginAllowed(req({ host: 'piko', origin: 'null' }), ['*'])).toBe(true);
  });
});
