export { AdminModule, type AdminModuleDeps } from './admin.module';
export { OPENAPI_PATH, DOCS_PATH } from './http/setup-admin-api';
export { startAdminNode, type RunningAdmin } from './node/admin-node';
export { adminModuleDeps, listenAdmin, setupAdminPort, type AdminNodeParts } from './node/admin-port';
export { adminRole } from './node/admin-role';
export type * from './api';
