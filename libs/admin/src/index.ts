export { AdminModule, type AdminModuleDeps } from './admin.module';
