export { freePort } from './free-port';
export { ManagedProcess } from './managed-process';
export { waitFor } from './wait-for';
export { findBinary, MissingBinaryError } from './find-binary';
export { NatsServer, type NatsServerOptions } from './nats-server';
export { RedisServer, type RedisServerOptions } from './redis-server';
export { TestPki, type CertFiles, type IssueOptions } from './test-pki';
