/**
 * `@piko/agent`: the agent's forwarding (Go Piko keeps `agent/` beside `server/`). The CLI parses
 * flags and config, then wires these: listeners that register endpoints over an upstream session and
 * forward each stream to the local service (HTTP: splice with access log and metrics; TCP: raw),
 * and the agent's own server (`/metrics`, `/status`, `/health`).
 */
export { runAgent, type RunningAgent, type RunAgentOptions } from './run-agent';
export type { AgentConfig, AgentConnectConfig, AgentListenerConfig } from './agent-config';
export { HttpAgentListener, type HttpAgentListenerOptions } from './http-agent-listener';
export { TcpAgentListener, type TcpAgentListenerOptions } from './tcp-agent-listener';
export { AgentMetrics } from './agent-metrics';
export { type RunningAgentServer, startAgentServer } from './agent-server';
export { AgentStatus } from './agent-status';
