import type { AddressInfo } from 'node:net';
import { loadConfig, ServerConfig } from '@piko/config';
import { serverBanner } from './banner';

const addr = (address: string, port: number): AddressInfo => ({ address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' });
const config = (argv: string[] = []) => loadConfig(ServerConfig, { argv, env: {} }).config;

describe('serverBanner', () => {
  it('shows the three URLs and the next commands; the default ports need no --connect.url', () => {
    const banner = serverBanner(config(), { proxyAddr: addr('::', 8000), upstreamAddr: addr('::', 8001), adminAddr: addr('0.0.0.0', 8002) });
    expect(banner).toContain('proxy     http://localhost:8000');
    expect(banner).toContain('upstream  http://localhost:8001');
    expect(banner).toContain('admin     http://localhost:8002');
    expect(banner).toContain('  npx piko agent http my-service 3000\n');
    expect(banner).toContain("  curl -H 'x-piko-endpoint: my-service' http://localhost:8000/\n");
  });

  it('names the upstream URL in the agent command when it is not the default', () => {
    const banner = serverBanner(config(), { proxyAddr: addr('127.0.0.1', 9000), upstreamAddr: addr('127.0.0.1', 9001), adminAddr: addr('::1', 9002) });
    expect(banner).toContain('  npx piko agent http my-service 3000 --connect.url http://127.0.0.1:9001\n');
    expect(banner).toContain("curl -H 'x-piko-endpoint: my-service' http://127.0.0.1:9000/");
    expect(banner).toContain('admin     http://[::1]:9002');
  });
});
