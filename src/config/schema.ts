import { type Static, Type } from '@sinclair/typebox';

const S3Schema = Type.Object(
  {
    bucket: Type.String({ default: '', description: 'bucket name (required when storage.driver is s3)' }),
    region: Type.String({ default: 'us-east-1' }),
    endpoint: Type.String({
      default: '',
      description: 'endpoint URL for S3-compatible stores (MinIO, Ceph …)',
    }),
    accessKeyId: Type.String({ default: '' }),
    secretAccessKey: Type.String({ default: '' }),
    forcePathStyle: Type.Boolean({ default: false }),
    prefix: Type.String({ default: '', description: 'key prefix inside the bucket' }),
    partSizeMiB: Type.Integer({ minimum: 5, maximum: 512, default: 16 }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
    dataDir: Type.String({
      default: './data',
      description: 'folder for the SQLite database and filesystem storage',
    }),
    database: Type.Object(
      {
        url: Type.String({
          default: '',
          description: 'postgres://… or sqlite:PATH; empty means SQLite at <dataDir>/berth.db',
        }),
        poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
        preparedStatements: Type.Boolean({
          default: true,
          description:
            'PostgreSQL: run the hot queries as prepared statements; turn off behind a pooler that moves a session between server connections (PgBouncer in transaction mode without max_prepared_statements)',
        }),
        cacheSyncMs: Type.Integer({
          minimum: 50,
          maximum: 60_000,
          default: 1000,
          description:
            'how often each process checks whether another one changed what it caches (credentials, permissions): the longest a change made through one replica goes unseen by another',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    storage: Type.Object(
      {
        driver: Type.Union([Type.Literal('filesystem'), Type.Literal('s3')], { default: 'filesystem' }),
        filesystem: Type.Object(
          {
            root: Type.String({ default: '', description: 'empty means <dataDir>/storage' }),
            fsync: Type.Boolean({ default: true, description: 'fsync each blob before it becomes visible' }),
          },
          { additionalProperties: false, default: {} },
        ),
        s3: S3Schema,
      },
      { additionalProperties: false, default: {} },
    ),
    registry: Type.Object(
      {
        manifestMaxBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
        uploadTtlHours: Type.Number({
          exclusiveMinimum: 0,
          default: 24,
          description: 'abandoned uploads expire',
        }),
        orphanGraceMinutes: Type.Number({
          minimum: 0,
          default: 60,
          description:
            'age after which upload data that no upload owns is removed at start (in-flight writes are younger)',
        }),
        catalogMaxEntries: Type.Integer({ minimum: 1, default: 1000 }),
        pullStatsFlushMs: Type.Integer({
          minimum: 1,
          maximum: 60_000,
          default: 1000,
          description: 'pull counts and last-pull times are written in batches this often',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    externalUrl: Type.String({
      default: '',
      description:
        'the URL clients reach Berth at (https://registry.example.com); empty: taken from each request',
    }),
    auth: Type.Object(
      {
        adminPassword: Type.String({
          default: '',
          description:
            'password of the admin user created on first start; empty: one is generated and printed once',
        }),
        credentialCacheSeconds: Type.Number({
          minimum: 0,
          default: 60,
          description: 'how long a verified password is trusted',
        }),
        tokenService: Type.String({
          default: 'berth-registry',
          description: 'the service name of registry tokens',
        }),
        tokenExpirySeconds: Type.Integer({
          minimum: 30,
          default: 300,
          description: 'lifetime of registry access tokens',
        }),
        loginFailuresPerUser: Type.Integer({
          minimum: 1,
          default: 10,
          description: 'failed sign-ins for one user name within loginWindowSeconds before it is refused',
        }),
        loginFailuresPerAddress: Type.Integer({
          minimum: 1,
          default: 30,
          description:
            'failed sign-ins from one client address within loginWindowSeconds before it is refused',
        }),
        loginWindowSeconds: Type.Integer({
          minimum: 1,
          default: 300,
          description: 'how long failed sign-ins count, and how long a refused name or address waits',
        }),
        sessionIdleMinutes: Type.Number({
          exclusiveMinimum: 0,
          default: 30,
          description: 'a portal session unused this long ends',
        }),
        sessionMaxHours: Type.Number({
          exclusiveMinimum: 0,
          default: 12,
          description: 'a portal session ends this long after sign-in',
        }),
        refreshTokenDays: Type.Number({
          exclusiveMinimum: 0,
          default: 30,
          description: 'lifetime of refresh tokens (docker login)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    quota: Type.Object(
      {
        storagePerProject: Type.Integer({
          minimum: -1,
          default: -1,
          description:
            "the storage limit in bytes a new project gets unless a system administrator sets its storage_limit (Harbor's storage_per_project; -1: none)",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    gc: Type.Object(
      {
        timeWindowMinutes: Type.Number({
          minimum: 0,
          default: 120,
          description:
            'garbage collection keeps blobs uploaded, linked or unlinked, and untagged manifests pushed, within this many minutes (Harbor: 2 hours)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    audit: Type.Object(
      {
        retentionDays: Type.Number({
          minimum: 0,
          default: 180,
          description: 'audit records older than this are removed; 0 keeps them',
        }),
        flushMs: Type.Integer({
          minimum: 1,
          maximum: 60_000,
          default: 250,
          description: 'audit records are written in batches this often',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    vulndb: Type.Object(
      {
        mirrorUrl: Type.String({
          default: 'https://osv-vulnerabilities.storage.googleapis.com',
          description: "where <ecosystem>/all.zip OSV archives are fetched from (OSV's bucket or a mirror)",
        }),
        ecosystems: Type.Array(Type.String(), {
          default: ['Debian', 'Ubuntu', 'Alpine', 'AlmaLinux', 'Rocky Linux', 'npm', 'PyPI', 'Go', 'Maven'],
          description: 'the OSV ecosystems to fetch',
        }),
        updateSchedule: Type.String({
          default: '0 3 * * *',
          description: 'cron schedule of database updates (then rescans); empty: only on request',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    scanners: Type.Object(
      {
        internalRegistryUrl: Type.String({
          default: '',
          description:
            'the URL external scanner adapters reach Berth at when registered with use_internal_addr (http://berth.ns.svc:5000); empty: the address Berth listens on',
        }),
        pullTokenMinutes: Type.Integer({
          minimum: 1,
          default: 60,
          description: 'lifetime of the pull token an external scanner adapter gets with each scan',
        }),
        reportTimeoutMinutes: Type.Integer({
          minimum: 1,
          default: 60,
          description: 'an external scan whose report is not ready this long after it was sent fails',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    admission: Type.Object(
      {
        registryHosts: Type.Array(Type.String(), {
          default: [],
          description:
            "host[:port] names clusters pull Berth images by (besides externalUrl's host); the admission webhook judges only images from these",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    jobs: Type.Object(
      {
        concurrency: Type.Integer({
          minimum: 1,
          default: 2,
          description: 'background jobs (scans) run at once by each process',
        }),
        pollMs: Type.Integer({
          minimum: 10,
          default: 1000,
          description: 'how often an idle process looks for jobs',
        }),
        leaseSeconds: Type.Integer({
          minimum: 5,
          default: 600,
          description: 'a job whose process stops answering is run elsewhere after this long',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        requests: Type.Boolean({ default: true, description: 'log one line per HTTP request' }),
      },
      { additionalProperties: false, default: {} },
    ),
    shutdownTimeoutSeconds: Type.Number({ minimum: 0, default: 30 }),
    http: Type.Object(
      {
        headersTimeoutSeconds: Type.Number({
          exclusiveMinimum: 0,
          default: 30,
          description:
            'a client must send its whole request line and headers within this (slow-header attacks end here)',
        }),
        idleTimeoutSeconds: Type.Number({
          exclusiveMinimum: 0,
          default: 300,
          description:
            'a connection on which no byte moves for this long is closed; transfers that keep moving, however long, are never cut',
        }),
        keepAliveTimeoutSeconds: Type.Number({
          exclusiveMinimum: 0,
          default: 75,
          description:
            'an idle kept-alive connection between requests is closed after this (above load balancers’ 60 s)',
        }),
        trustedProxies: Type.Array(Type.String({ minLength: 1 }), {
          default: ['loopback', 'linklocal', 'uniquelocal'],
          description:
            'the addresses (IPs, CIDR ranges, or loopback, linklocal, uniquelocal) whose X-Forwarded-For, -Proto and -Host are believed: a client’s address (sign-in throttling, audit) and the URL it used; [] believes none',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
