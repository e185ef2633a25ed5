export { type RegistryDeps, registryRoutes } from './registry.routes.js';
