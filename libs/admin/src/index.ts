export { AdminModule, type AdminModuleDeps } from './admin.module';
export { setupAdminApi, OPENAPI_PATH, DOCS_PATH } from './http/setup-admin-api';
export { startAdminNode, type RunningAdmin } from './node/admin-node';
export { adminRole } from './node/admin-role';
export type * from './api';
export { PAGE_PATHS } from './page/page-assets';
export { pageOptions } from './page/page-options';
