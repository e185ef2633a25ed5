export { Authenticator, type AuthenticatorOptions } from './authenticator.js';
export { CredentialVersions } from './credential-versions.js';
export { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
export { permissionsIn, type ScopedPermission } from './permissions.js';
export {
  type Action,
  allows,
  type Permission,
  projectPolicies,
  projectResources,
  publicPolicy,
  type Resource,
  robotMayHold,
  robotPermissions,
  rolePolicies,
  type SystemResource,
  systemPolicies,
  systemResources,
} from './rbac.js';
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
