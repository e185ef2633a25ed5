import {
  Accessory,
  AdditionLink,
  Artifact,
  NewTag,
  Platform,
  Reference,
  Repository,
  RepositoryUpdate,
  Tag,
} from './artifact.js';
import { AuditLog, AuditLogExt } from './audit.js';
import { Errors } from './common.js';
import { ImmutableRule, ImmutableSelector } from './immutable.js';
import { Label, LabelReq } from './label.js';
import { ExecHistory, GCHistory } from './lifecycle.js';
import { ProjectMember, ProjectMemberEntity, RoleRequest } from './member.js';
import {
  CVEAllowlist,
  Project,
  ProjectDeletable,
  ProjectMetadata,
  ProjectReq,
  ProjectSummary,
} from './project.js';
import { Quota } from './quota.js';
import {
  RetentionExecution,
  RetentionExecutionTask,
  RetentionMetadata,
  RetentionPolicy,
  RetentionRule,
  RetentionSelector,
} from './retention.js';
import { Robot, RobotCreate, RobotCreated, RobotPermissionSchema, RobotSec, RobotUpdate } from './robot.js';
import {
  HarborVulnerabilityReport,
  IsDefault,
  NativeReportSummary,
  ProjectScanner,
  ScannerAdapterMetadata,
  ScannerInfo,
  ScannerRegistration,
  ScannerRegistrationReq,
  ScannerRegistrationSettings,
  Schedule,
  ScheduleObj,
  Stats,
  VulnDbImport,
  VulnerabilityItem,
} from './scan.js';
import {
  GeneralInfo,
  OverallHealthStatus,
  Search,
  SearchRepository,
  Statistic,
  SystemInfo,
} from './system.js';
import {
  OIDCCliSecretReq,
  PasswordReq,
  Permission,
  Permissions,
  UserCreationReq,
  UserProfile,
  UserResp,
  UserSearchRespItem,
  UserSysAdminFlag,
} from './user.js';

export * from './artifact.js';
export * from './audit.js';
/** Harbor's shapes (definitions in api/v2.0/swagger.yaml), for the resources Berth implements. */
export * from './common.js';
export * from './immutable.js';
export * from './label.js';
export * from './lifecycle.js';
export * from './member.js';
export * from './project.js';
export * from './quota.js';
export * from './retention.js';
export * from './robot.js';
export * from './scan.js';
export * from './system.js';
export * from './user.js';

/** Every shared schema, registered once with the API so routes refer to them by $id. */
export const sharedSchemas = [
  Label,
  LabelReq,
  ProjectDeletable,
  ScannerRegistration,
  ScannerRegistrationReq,
  ScannerRegistrationSettings,
  IsDefault,
  ProjectScanner,
  ScannerAdapterMetadata,
  VulnDbImport,
  CVEAllowlist,
  ScannerInfo,
  NativeReportSummary,
  VulnerabilityItem,
  HarborVulnerabilityReport,
  Repository,
  RepositoryUpdate,
  Tag,
  NewTag,
  Platform,
  Reference,
  Accessory,
  AdditionLink,
  Artifact,
  SearchRepository,
  Search,
  Statistic,
  UserProfile,
  UserSysAdminFlag,
  AuditLog,
  AuditLogExt,
  RobotPermissionSchema,
  RobotCreate,
  RobotCreated,
  Robot,
  RobotUpdate,
  RobotSec,
  ProjectMemberEntity,
  ProjectMember,
  RoleRequest,
  Errors,
  UserResp,
  UserCreationReq,
  PasswordReq,
  UserSearchRespItem,
  OIDCCliSecretReq,
  Permission,
  Permissions,
  ProjectMetadata,
  ProjectReq,
  Project,
  ProjectSummary,
  GeneralInfo,
  OverallHealthStatus,
  SystemInfo,
  ScheduleObj,
  Schedule,
  Stats,
  GCHistory,
  ExecHistory,
  ImmutableSelector,
  ImmutableRule,
  Quota,
  RetentionSelector,
  RetentionRule,
  RetentionPolicy,
  RetentionExecution,
  RetentionExecutionTask,
  RetentionMetadata,
];
