import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';
import { Project } from './project.js';

/** Harbor's system info, health, search and statistics shapes. */

/** Harbor's GeneralInfo: every field optional; the protected ones only for signed-in callers. */
export const GeneralInfo = Type.Object(
  {
    banner_message: Type.Optional(Type.String()),
    current_time: Type.Optional(time),
    registry_url: Type.Optional(Type.String()),
    external_url: Type.Optional(Type.String()),
    auth_mode: Type.Optional(Type.String()),
    primary_auth_mode: Type.Optional(Type.Boolean()),
    project_creation_restriction: Type.Optional(Type.String()),
    self_registration: Type.Optional(Type.Boolean()),
    has_ca_root: Type.Optional(Type.Boolean()),
    harbor_version: Type.Optional(Type.String()),
    registry_storage_provider_name: Type.Optional(Type.String()),
    read_only: Type.Optional(Type.Boolean()),
    notification_enable: Type.Optional(Type.Boolean()),
    oidc_provider_name: Type.Optional(Type.String()),
    vulnerability_database: Type.Optional(
      Type.Array(Type.Object({ source: Type.String(), imported_at: time, records: Type.Integer() }), {
        description:
          'Berth (signed-in callers): each vulnerability-database source, when it was last imported and its record count',
      }),
    ),
  },
  { $id: 'GeneralInfo' },
);

/** Harbor's SystemInfo: the storage's total and free bytes (one entry; zeros when Berth cannot tell). */
export const SystemInfo = Type.Object(
  { storage: Type.Array(Type.Object({ total: Type.Integer(), free: Type.Integer() })) },
  { $id: 'SystemInfo' },
);

export const OverallHealthStatus = Type.Object(
  {
    status: Type.String(),
    components: Type.Array(
      Type.Object({ name: Type.String(), status: Type.String(), error: Type.Optional(Type.String()) }),
    ),
  },
  { $id: 'OverallHealthStatus' },
);

export const SearchRepository = Type.Object(
  {
    project_id: Type.Integer(),
    project_name: Type.String(),
    project_public: Type.Boolean(),
    repository_name: Type.String(),
    pull_count: Type.Integer(),
    artifact_count: Type.Integer(),
  },
  { $id: 'SearchRepository' },
);

export const Search = Type.Object(
  { project: Type.Array(ref(Project)), repository: Type.Array(ref(SearchRepository)) },
  { $id: 'Search' },
);

export const Statistic = Type.Object(
  {
    private_project_count: Type.Integer(),
    private_repo_count: Type.Integer(),
    public_project_count: Type.Integer(),
    public_repo_count: Type.Integer(),
    total_project_count: Type.Integer(),
    total_repo_count: Type.Integer(),
    total_storage_consumption: Type.Integer(),
  },
  { $id: 'Statistic' },
);
