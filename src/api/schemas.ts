import { Type } from '@sinclair/typebox';

/** Harbor's shapes (definitions in api/v2.0/swagger.yaml), for the resources Berth implements. */

export const Errors = Type.Object(
  { errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })) },
  {
    $id: 'Errors',
    description: 'The error array that describe the errors got during the handling of request',
  },
);

const time = Type.String({ format: 'date-time' });

export const UserResp = Type.Object(
  {
    user_id: Type.Integer(),
    username: Type.String(),
    email: Type.String(),
    realname: Type.String(),
    comment: Type.String(),
    sysadmin_flag: Type.Boolean(),
    admin_role_in_auth: Type.Boolean(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'UserResp' },
);

export const UserCreationReq = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    password: Type.String({ maxLength: 128 }),
    email: Type.Optional(Type.String({ maxLength: 255 })),
    realname: Type.Optional(Type.String({ maxLength: 255 })),
    comment: Type.Optional(Type.String({ maxLength: 30 })),
  },
  { $id: 'UserCreationReq' },
);

export const UserProfile = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 255 })),
    realname: Type.Optional(Type.String({ maxLength: 255 })),
    comment: Type.Optional(Type.String({ maxLength: 30 })),
  },
  { $id: 'UserProfile' },
);

export const UserSysAdminFlag = Type.Object({ sysadmin_flag: Type.Boolean() }, { $id: 'UserSysAdminFlag' });

export const PasswordReq = Type.Object(
  { old_password: Type.Optional(Type.String()), new_password: Type.String() },
  { $id: 'PasswordReq' },
);

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
    metadata: Type.Optional(Type.Ref(ProjectMetadata)),
    storage_limit: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    cve_allowlist: Type.Optional(Type.Ref(CVEAllowlist)),
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
    metadata: Type.Ref(ProjectMetadata),
    cve_allowlist: Type.Ref(CVEAllowlist),
  },
  { $id: 'Project' },
);

export const ProjectSummary = Type.Object(
  {
    repo_count: Type.Integer(),
    project_admin_count: Type.Integer(),
    maintainer_count: Type.Integer(),
    developer_count: Type.Integer(),
    guest_count: Type.Integer(),
    limited_guest_count: Type.Integer(),
  },
  { $id: 'ProjectSummary' },
);

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

export const ProjectMemberEntity = Type.Object(
  {
    id: Type.Integer(),
    project_id: Type.Integer(),
    entity_name: Type.String(),
    role_name: Type.String(),
    role_id: Type.Integer(),
    entity_id: Type.Integer(),
    entity_type: Type.String({ description: "'u' for a user, 'g' for a group" }),
  },
  { $id: 'ProjectMemberEntity' },
);

export const ProjectMember = Type.Object(
  {
    role_id: Type.Integer(),
    member_user: Type.Optional(
      Type.Object({ user_id: Type.Optional(Type.Integer()), username: Type.Optional(Type.String()) }),
    ),
    member_group: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'ProjectMember' },
);

export const RoleRequest = Type.Object({ role_id: Type.Integer() }, { $id: 'RoleRequest' });

const RobotPermissionSchema = Type.Object(
  {
    kind: Type.String(),
    namespace: Type.String(),
    access: Type.Array(
      Type.Object({ resource: Type.String(), action: Type.String(), effect: Type.Optional(Type.String()) }),
    ),
  },
  { $id: 'RobotPermission' },
);

export const RobotCreate = Type.Object(
  {
    name: Type.String(),
    description: Type.Optional(Type.String()),
    secret: Type.Optional(Type.String()),
    level: Type.Union([Type.Literal('system'), Type.Literal('project')]),
    disable: Type.Optional(Type.Boolean()),
    duration: Type.Integer({ description: 'days until expiry; -1 for never' }),
    permissions: Type.Array(Type.Ref(RobotPermissionSchema)),
  },
  { $id: 'RobotCreate' },
);

export const RobotCreated = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    secret: Type.String(),
    creation_time: time,
    expires_at: Type.Integer(),
  },
  { $id: 'RobotCreated' },
);

export const Robot = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    level: Type.String(),
    duration: Type.Integer(),
    editable: Type.Boolean(),
    disable: Type.Boolean(),
    expires_at: Type.Integer(),
    permissions: Type.Array(Type.Ref(RobotPermissionSchema)),
    creator_type: Type.String(),
    creator_ref: Type.Integer(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'Robot' },
);

export const RobotUpdate = Type.Object(
  {
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    level: Type.Optional(Type.String()),
    disable: Type.Optional(Type.Boolean()),
    duration: Type.Optional(Type.Integer()),
    permissions: Type.Optional(Type.Array(Type.Ref(RobotPermissionSchema))),
  },
  { $id: 'RobotUpdate', additionalProperties: true },
);

export const RobotSec = Type.Object({ secret: Type.Optional(Type.String()) }, { $id: 'RobotSec' });

export const AuditLog = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    resource: Type.String(),
    resource_type: Type.String(),
    operation: Type.String(),
    op_time: time,
  },
  { $id: 'AuditLog' },
);

export const AuditLogExt = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    resource: Type.String(),
    resource_type: Type.String(),
    operation: Type.String(),
    operation_description: Type.String(),
    operation_result: Type.Boolean(),
    op_time: time,
  },
  { $id: 'AuditLogExt' },
);

export const Repository = Type.Object(
  {
    id: Type.Integer(),
    project_id: Type.Integer(),
    name: Type.String({ description: 'the full name, project/repository' }),
    description: Type.String(),
    artifact_count: Type.Integer(),
    pull_count: Type.Integer(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'Repository' },
);

export const RepositoryUpdate = Type.Object(
  {
    description: Type.String({ maxLength: 4096 }),
    id: Type.Optional(Type.Integer()),
    project_id: Type.Optional(Type.Integer()),
    name: Type.Optional(Type.String()),
    artifact_count: Type.Optional(Type.Integer()),
    pull_count: Type.Optional(Type.Integer()),
    creation_time: Type.Optional(Type.String()),
    update_time: Type.Optional(Type.String()),
  },
  { $id: 'RepositoryUpdate', description: 'A Repository; only description is changed' },
);

export const Tag = Type.Object(
  {
    repository_id: Type.Integer(),
    artifact_id: Type.Integer(),
    name: Type.String(),
    push_time: time,
    pull_time: time,
    immutable: Type.Boolean(),
  },
  { $id: 'Tag' },
);

export const NewTag = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }, { $id: 'NewTag' });

const stringMap = Type.Record(Type.String(), Type.String());

export const Platform = Type.Object(
  {
    architecture: Type.Optional(Type.String()),
    os: Type.Optional(Type.String()),
    'os.version': Type.Optional(Type.String()),
    'os.features': Type.Optional(Type.Array(Type.String())),
    variant: Type.Optional(Type.String()),
  },
  { $id: 'Platform' },
);

export const Reference = Type.Object(
  {
    parent_id: Type.Integer(),
    child_id: Type.Optional(Type.Integer()),
    child_digest: Type.String(),
    platform: Type.Optional(Type.Ref(Platform)),
    annotations: Type.Optional(stringMap),
    urls: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'Reference' },
);

export const Accessory = Type.Object(
  {
    id: Type.Integer(),
    artifact_id: Type.Integer(),
    subject_artifact_id: Type.Integer(),
    subject_artifact_digest: Type.String(),
    subject_artifact_repo: Type.String(),
    size: Type.Integer(),
    digest: Type.String(),
    type: Type.String(),
    icon: Type.String(),
    creation_time: time,
  },
  { $id: 'Accessory' },
);

export const AdditionLink = Type.Object(
  { href: Type.String(), absolute: Type.Boolean() },
  { $id: 'AdditionLink' },
);

export const ScannerInfo = Type.Object(
  { name: Type.String(), vendor: Type.String(), version: Type.String() },
  { $id: 'Scanner' },
);

export const NativeReportSummary = Type.Object(
  {
    report_id: Type.String(),
    scan_status: Type.String({ description: 'Pending, Running, Success or Error' }),
    severity: Type.String(),
    duration: Type.Integer(),
    summary: Type.Object({
      total: Type.Integer(),
      fixable: Type.Integer(),
      summary: Type.Record(Type.String(), Type.Integer()),
    }),
    start_time: time,
    end_time: Type.Optional(time),
    complete_percent: Type.Integer(),
    scanner: Type.Ref(ScannerInfo),
  },
  { $id: 'NativeReportSummary' },
);

export const VulnerabilityItem = Type.Object(
  {
    id: Type.String(),
    package: Type.String(),
    version: Type.String(),
    fix_version: Type.String(),
    severity: Type.String(),
    description: Type.String(),
    links: Type.Array(Type.String()),
    layer: Type.Optional(Type.Object({ digest: Type.String() })),
    preferred_cvss: Type.Optional(
      Type.Object({ score_v3: Type.Optional(Type.Number()), vector_v3: Type.Optional(Type.String()) }),
    ),
    cwe_ids: Type.Optional(Type.Array(Type.String())),
    vendor_attributes: Type.Object(
      {
        osv_ids: Type.Array(Type.String(), {
          description: 'the OSV records folded into this entry (empty for an external scanner)',
        }),
      },
      { additionalProperties: true },
    ),
  },
  { $id: 'VulnerabilityItem' },
);

export const HarborVulnerabilityReport = Type.Object(
  {
    report_id: Type.String(),
    generated_at: time,
    artifact: Type.Object({ repository: Type.String(), digest: Type.String(), mime_type: Type.String() }),
    scanner: Type.Ref(ScannerInfo),
    severity: Type.String(),
    vulnerabilities: Type.Array(Type.Ref(VulnerabilityItem)),
  },
  { $id: 'HarborVulnerabilityReport' },
);

export const Artifact = Type.Object(
  {
    id: Type.Integer(),
    type: Type.String({ description: 'IMAGE, CHART, CNAB or UNKNOWN' }),
    media_type: Type.String(),
    manifest_media_type: Type.String(),
    artifact_type: Type.String(),
    project_id: Type.Integer(),
    repository_id: Type.Integer(),
    repository_name: Type.String(),
    digest: Type.String(),
    size: Type.Integer(),
    icon: Type.String(),
    push_time: time,
    pull_time: time,
    extra_attrs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    annotations: stringMap,
    references: Type.Array(Type.Ref(Reference)),
    tags: Type.Optional(Type.Array(Type.Ref(Tag))),
    addition_links: Type.Record(Type.String(), Type.Ref(AdditionLink)),
    accessories: Type.Optional(Type.Array(Type.Ref(Accessory))),
    scan_overview: Type.Optional(Type.Record(Type.String(), Type.Ref(NativeReportSummary))),
  },
  { $id: 'Artifact' },
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
  { project: Type.Array(Type.Ref(Project)), repository: Type.Array(Type.Ref(SearchRepository)) },
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

export const VulnDbImport = Type.Object(
  {
    source: Type.String(),
    archive: Type.String(),
    records: Type.Integer(),
    added: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
  },
  { $id: 'VulnDbImport' },
);

export const ScannerRegistration = Type.Object(
  {
    uuid: Type.String(),
    name: Type.String(),
    description: Type.String(),
    url: Type.String({ description: 'the adapter base URL (builtin:berth for the built-in scanner)' }),
    disabled: Type.Boolean(),
    is_default: Type.Boolean(),
    auth: Type.String(),
    access_credential: Type.String({ description: 'never shown: always empty in answers' }),
    skip_certVerify: Type.Boolean(),
    use_internal_addr: Type.Boolean(),
    create_time: time,
    update_time: time,
    adapter: Type.String(),
    vendor: Type.String(),
    version: Type.String(),
    health: Type.String({ description: 'healthy or unhealthy (the adapter answered its metadata or not)' }),
    capabilities: Type.Record(Type.String(), Type.Boolean()),
  },
  { $id: 'ScannerRegistration' },
);

const registrationFields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  url: Type.String({ minLength: 1, maxLength: 512, description: 'the adapter base URL, http(s)://' }),
  auth: Type.Optional(
    Type.String({
      description: '"", Basic, Bearer or X-ScannerAdapter-API-Key: how Berth signs in to the adapter',
    }),
  ),
  access_credential: Type.Optional(
    Type.String({
      maxLength: 4096,
      description:
        'user:password (Basic), the token (Bearer) or the key; on update, empty keeps the stored one',
    }),
  ),
};

export const ScannerRegistrationReq = Type.Object(
  {
    ...registrationFields,
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    skip_certVerify: Type.Optional(Type.Boolean()),
    use_internal_addr: Type.Optional(Type.Boolean()),
    disabled: Type.Optional(Type.Boolean()),
  },
  { $id: 'ScannerRegistrationReq', additionalProperties: false },
);

export const ScannerRegistrationSettings = Type.Object(registrationFields, {
  $id: 'ScannerRegistrationSettings',
  additionalProperties: false,
});

export const IsDefault = Type.Object(
  { is_default: Type.Boolean() },
  { $id: 'IsDefault', additionalProperties: false },
);

export const ProjectScanner = Type.Object(
  { uuid: Type.String({ minLength: 1, maxLength: 64 }) },
  { $id: 'ProjectScanner', additionalProperties: false },
);

export const ScannerAdapterMetadata = Type.Object(
  {
    scanner: Type.Ref(ScannerInfo),
    capabilities: Type.Array(
      Type.Object(
        {
          type: Type.Optional(Type.String()),
          consumes_mime_types: Type.Array(Type.String()),
          produces_mime_types: Type.Array(Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
    properties: Type.Record(Type.String(), Type.String()),
  },
  { $id: 'ScannerAdapterMetadata' },
);

export const sharedSchemas = [
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
  ProjectMetadata,
  ProjectReq,
  Project,
  ProjectSummary,
  GeneralInfo,
  OverallHealthStatus,
];

export const errorResponses = {
  400: Type.Ref(Errors),
  401: Type.Ref(Errors),
  403: Type.Ref(Errors),
  404: Type.Ref(Errors),
  409: Type.Ref(Errors),
  412: Type.Ref(Errors),
  500: Type.Ref(Errors),
  502: Type.Ref(Errors),
};
