export { freePort } from './free-port';
export { ManagedProcess } from './managed-process';
export { waitFor } from './wait-for';
export { findBinary, MissingBinaryError } from './find-binary';
export { NatsServer } from './nats-server';
export { RedisServer } from './redis-server';
export { TestPki, type CertFiles, type IssueOptions } from './test-pki';
