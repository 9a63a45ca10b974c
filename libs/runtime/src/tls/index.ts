export { ServerTls, serverTls, type ServerTlsFiles, type ServerTlsOptions, type TlsFiles } from './server-tls';
export { createPortServer } from './http-server';
