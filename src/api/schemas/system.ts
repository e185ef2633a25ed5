import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';
import { Project } from './project.js';

/** Harbor's system info, health, search and statistics shapes. */

export const GeneralInfo = Type.Object(
  {
    current_time: time,
    registry_url: Type.String(),
    external_url: Type.String(),
    auth_mode: Type.String(),
    primary_auth_mode: Type.Boolean(),
    project_creation_restriction: Type.String(),
    self_registration: Type.Boolean(),
    has_ca_root: Type.Boolean(),
    harbor_version: Type.String(),
    registry_storage_provider_name: Type.String(),
    read_only: Type.Boolean(),
    notification_enable: Type.Boolean(),
    vulnerability_database: Type.Array(
      Type.Object({ source: Type.String(), imported_at: time, records: Type.Integer() }),
      {
        description:
          'Berth: each vulnerability-database source, when it was last imported and its record count',
      },
    ),
  },
  { $id: 'GeneralInfo' },
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
