import { endpointIdFromHeaders } from './endpoint-id';

describe('endpointIdFromHeaders', () => {
  it('prefers the x-piko-endpoint header', () => {
    expect(endpointIdFromHeaders({ 'x-piko-endpoint': 'a', host: 'b.example.com' })).toBe('a');
  });

  it('takes the first label of a host with a dot, ignoring the port', () => {
    expect(endpointIdFromHeaders({ host: 'my-service.piko.example.com' })).toBe('my-service');
    expect(endpointIdFromHeaders({ host: 'my-service.piko.example.com:8000' })).toBe('my-service');
  });

  it('finds no endpoint in a dotless host, an IP or no host', () => {
    expect(endpointIdFromHeaders({ host: 'localhost:8000' })).toBeUndefined();
    expect(endpointIdFromHeaders({ host: '127.0.0.1:8000' })).toBeUndefined();
    expect(endpointIdFromHeaders({ host: '[::1]:8000' })).toBeUndefined();
    expect(endpointIdFromHeaders({ host: '.example.com' })).toBeUndefined();
    expect(endpointIdFromHeaders({})).toBeUndefined();
  });
});
