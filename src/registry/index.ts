export type { RegistryAuthDeps } from './authorize.js';
export { type RegistryDeps, registryRoutes } from './registry.routes.js';
export { type TokenRouteDeps, tokenRoutes } from './token.routes.js';
