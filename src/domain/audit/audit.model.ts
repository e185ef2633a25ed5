/** One audit log record: who did what to which resource, when, and whether it worked. */
export interface AuditRecord {
  readonly id: number;
  readonly operator: string;
  readonly resourceType: string;
  readonly resource: string;
  readonly operation: string;
  readonly success: boolean;
  readonly projectId: number | null;
  readonly description: string;
  readonly time: Date;
}

export type AuditField =
  | 'id'
  | 'operator'
  | 'operation'
  | 'resourceType'
  | 'resource'
  | 'time'
  | 'projectId'
  | 'description'
  | 'success';

/**
 * The kinds of event the audit log records, as Harbor names them (`<operation>_<resource type>`):
 * what the registry and the management API report.
 */
export const auditEventTypes = [
  'create_artifact',
  'delete_artifact',
  'pull_artifact',
  'push_artifact',
  'create_tag',
  'delete_tag',
  'delete_blob',
  'create_project',
  'update_project',
  'delete_project',
  'update_repository',
  'delete_repository',
  'create_member',
  'update_member',
  'delete_member',
  'create_robot',
  'update_robot',
  'delete_robot',
  'create_user',
  'update_user',
  'delete_user',
  'login_user',
  'create_scanner',
  'update_scanner',
  'delete_scanner',
  'create_label',
  'update_label',
  'delete_label',
  'create_system_job',
  'update_system_job',
  'delete_system_job',
  'update_configuration',
  'create_immutable_rule',
  'update_immutable_rule',
  'delete_immutable_rule',
  'update_quota',
  'push_quota',
  'create_retention',
  'update_retention',
  'delete_retention',
] as const;
