export { Authenticator, type AuthenticatorOptions } from './authenticator.js';
export { CredentialVersions } from './credential-versions.js';
export { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
export { type Action, allows, publicPolicy, type Resource, rolePolicies } from './rbac.js';
export { RegistryAccess } from './registry-access.js';
export { type Access, covers, formatScope, parseScopes, type Scope } from './scopes.js';
export {
  type Principal,
  type RobotPrincipal,
  type ScannerPrincipal,
  SecurityContext,
  scannerPrefix,
  type UserPrincipal,
} from './security-context.js';
export { type IssuedToken, type TokenOptions, TokenService, type VerifiedToken } from './token.service.js';
