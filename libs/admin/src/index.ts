export { AdminModule, type AdminModuleDeps } from './admin.module';
export { startAdminNode, type RunningAdmin } from './node/admin-node';
export { adminRole } from './node/admin-role';
export type * from './api';
