export { runAgent, type RunningAgent, type RunAgentOptions } from './run-agent';
export type { AgentConfig, AgentConnectConfig, AgentListenerConfig } from './agent-config';
export { HttpAgentListener, type HttpAgentListenerOptions } from './http-agent-listener';
export { TcpAgentListener, type TcpAgentListenerOptions } from './tcp-agent-listener';
