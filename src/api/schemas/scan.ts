import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';

/** Harbor's scan report, scanner registration and vulnerability database shapes. */

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
    scanner: ref(ScannerInfo),
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
    scanner: ref(ScannerInfo),
    severity: Type.String(),
    vulnerabilities: Type.Array(ref(VulnerabilityItem)),
  },
  { $id: 'HarborVulnerabilityReport' },
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
    scanner: ref(ScannerInfo),
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

/** Harbor's ScheduleObj: a schedule type and its 6-field cron (seconds first), read in UTC. */
export const ScheduleObj = Type.Object(
  {
    type: Type.Union(
      [
        Type.Literal('Hourly'),
        Type.Literal('Daily'),
        Type.Literal('Weekly'),
        Type.Literal('Custom'),
        Type.Literal('Manual'),
        Type.Literal('None'),
        Type.Literal('Schedule'),
      ],
      {
        description:
          'Manual runs it now (create only), None cancels the schedule; the others schedule it by cron',
      },
    ),
    cron: Type.Optional(
      Type.String({ maxLength: 256, description: 'six fields, seconds first (always 0): 0 0 0 * * *' }),
    ),
    next_scheduled_time: Type.Optional(time),
  },
  { $id: 'ScheduleObj' },
);

/** Harbor's Schedule (of the scan all): the body sent is read for `schedule` alone. */
export const Schedule = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    status: Type.Optional(Type.String()),
    creation_time: Type.Optional(time),
    update_time: Type.Optional(time),
    schedule: ref(ScheduleObj),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Schedule' },
);

/** Harbor's Stats: the progress of the latest scan-all run (its tasks by status). */
export const Stats = Type.Object(
  {
    total: Type.Integer(),
    completed: Type.Integer(),
    metrics: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    ongoing: Type.Boolean(),
    trigger: Type.Optional(
      Type.Union([Type.Literal('Manual'), Type.Literal('Schedule'), Type.Literal('Event')]),
    ),
  },
  { $id: 'Stats' },
);
