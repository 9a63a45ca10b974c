export { AdminModule, type AdminModuleDeps } from './admin.module';
export { startAdminNode, type RunningAdmin } from './node/admin-node';
export { adminRole } from './node/admin-role';
export type * from './api';
export { PAGE_PATHS } from './page/page-assets';
export { pageOptions } from './page/page-options';
