import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { AgentStatus, followListener } from './agent-status';

describe('AgentStatus', () => {
  it("follows a listener's session, reconnects and streams, in /status and on /metrics", async () => {
    const registry = new Registry();
    const status = new AgentStatus(registry, '1.2.3', 'https://user:secret@piko.example.com:8001');
    const listener = new EventEmitter();
    followListener(listener, status.listener('web', 'http', '3000'));
    status.listener('db', 'tcp', 'localhost:5432');

    const stream = new EventEmitter();
    listener.emit('connection', stream);
    listener.emit('connection', new EventEmitter());
    stream.emit('close');
    listener.emit('reconnecting', new Error('server sent go-away'));

    const view = status.view();
    expect(view.version).toBe('1.2.3');
    expect(view.connectUrl).toBe('https://piko.example.com:8001/');
    expect(view.listeners).toHaveLength(2);
    expect(view.listeners[0]).toMatchObject({
      endpointId: 'web',
      protocol: 'http',
      addr: '3000',
      state: 'reconnecting',
      connectedAt: null,
      reconnects: 1,
      lastDisconnect: { reason: 'server sent go-away' },
      streams: { active: 1, total: 2 },
    });
    expect(view.listeners[1]).toMatchObject({ endpointId: 'db', state: 'connecting', reconnects: 0, lastDisconnect: null });

    let text = await registry.metrics();
    expect(text).toMatch(/^piko_agent_sessions_connected\{endpoint="web"\} 0$/m);
    expect(text).toMatch(/^piko_agent_reconnects_total\{endpoint="web"\} 1$/m);
    expect(text).toMatch(/^piko_agent_streams_total\{endpoint="web"\} 2$/m);

    listener.emit('connected');
    expect(status.view().listeners[0].state).toBe('connected');
    expect(status.view().listeners[0].connectedAt).not.toBeNull();
    text = await registry.metrics();
    expect(text).toMatch(/^piko_agent_sessions_connected\{endpoint="web"\} 1$/m);
    listener.emit('close');
    expect(status.view().listeners[0].state).toBe('closed');
  });
});
