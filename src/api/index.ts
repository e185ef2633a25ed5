export { type ApiDeps, apiPlugin } from './api.plugin.js';
