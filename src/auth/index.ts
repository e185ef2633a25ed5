export { Authenticator, type AuthenticatorOptions } from './authenticator.js';
export { type Action, allows, publicPolicy, type Resource, rolePolicies } from './rbac.js';
export { type Principal, SecurityContext } from './security-context.js';
