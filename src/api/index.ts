export { type ApiDeps, apiPlugin } from './api.plugin.js';
export { type SessionRoutesDeps, sessionRoutes } from './session.routes.js';
