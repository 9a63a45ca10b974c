export { freePort } from './free-port';
export { ManagedProcess } from './managed-process';
export { waitFor } from './wait-for';
