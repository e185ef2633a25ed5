import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';

/** Harbor's project, metadata, allowlist and member shapes. */

export const ProjectMetadata = Type.Object(
  {
    public: Type.Optional(Type.String()),
    enable_content_trust: Type.Optional(Type.String()),
    enable_content_trust_cosign: Type.Optional(Type.String()),
    prevent_vul: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
    auto_scan: Type.Optional(Type.String()),
    auto_sbom_generation: Type.Optional(Type.String()),
    reuse_sys_cve_allowlist: Type.Optional(Type.String()),
    prevent_unscanned: Type.Optional(
      Type.String({
        description: 'Berth: with prevent_vul, also refuse images not scanned yet ("true"/"false")',
      }),
    ),
    retention_id: Type.Optional(Type.String({ description: "the project's tag retention policy" })),
  },
  { $id: 'ProjectMetadata', additionalProperties: false },
);

export const CVEAllowlist = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    project_id: Type.Optional(Type.Integer()),
    expires_at: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], { description: 'epoch seconds; null: never' }),
    ),
    items: Type.Array(Type.Object({ cve_id: Type.String({ maxLength: 64 }) }), { maxItems: 10_000 }),
    creation_time: Type.Optional(time),
    update_time: Type.Optional(time),
  },
  { $id: 'CVEAllowlist' },
);

export const ProjectReq = Type.Object(
  {
    project_name: Type.Optional(Type.String({ maxLength: 255 })),
    public: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    metadata: Type.Optional(ref(ProjectMetadata)),
    storage_limit: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], {
        description:
          'bytes (-1: none); system administrators only, others get the default (quota.storagePerProject); 0 also means the default',
      }),
    ),
    cve_allowlist: Type.Optional(ref(CVEAllowlist)),
    registry_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { $id: 'ProjectReq' },
);

export const Project = Type.Object(
  {
    project_id: Type.Integer(),
    owner_id: Type.Integer(),
    name: Type.String(),
    creation_time: time,
    update_time: time,
    deleted: Type.Boolean(),
    owner_name: Type.String(),
    togglable: Type.Boolean(),
    current_user_role_id: Type.Integer(),
    current_user_role_ids: Type.Array(Type.Integer()),
    repo_count: Type.Integer(),
    metadata: ref(ProjectMetadata),
    cve_allowlist: ref(CVEAllowlist),
  },
  { $id: 'Project' },
);

export const ProjectDeletable = Type.Object(
  { deletable: Type.Boolean(), message: Type.Optional(Type.String()) },
  { $id: 'ProjectDeletable' },
);

export const ProjectSummary = Type.Object(
  {
    repo_count: Type.Integer(),
    project_admin_count: Type.Integer(),
    maintainer_count: Type.Integer(),
    developer_count: Type.Integer(),
    guest_count: Type.Integer(),
    limited_guest_count: Type.Integer(),
    quota: Type.Optional(
      Type.Object({
        hard: Type.Object({ storage: Type.Integer({ description: 'bytes; -1: no limit' }) }),
        used: Type.Object({ storage: Type.Integer() }),
      }),
    ),
  },
  { $id: 'ProjectSummary' },
);
