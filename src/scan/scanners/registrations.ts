import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../../domain/context.js';
import type { Listed } from '../../domain/pagination.js';
import { BerthError } from '../../lib/errors.js';
import type { VulnDbService } from '../vulndb/vulndb.service.js';
import type { AdapterClient, AdapterEndpoint, AdapterMetadata } from './adapter-client.js';
import type { RegistrationInput, RegistrationQuery, ScannerRegistration } from './registration.model.js';
import * as repo from './registrations.repo.js';
import { builtInScannerId } from './registrations.repo.js';

export type { RegistrationInput, RegistrationQuery, ScannerRegistration };
export { builtInScannerId };

/** A registration's adapter as last seen: its metadata, or why it could not be reached. */
export interface AdapterHealth {
  readonly metadata: AdapterMetadata | undefined;
  readonly healthy: boolean;
}

const authTypes = ['', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key'] as const;

const manifestTypes = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** How long a fetched adapter metadata is reused for listings (scans always fetch it afresh). */
const metadataTtlMs = 60_000;
/** Listings and single reads wait this long for an adapter's metadata before calling it unhealthy. */
const healthTimeoutMs = 3_000;

export const endpointOf = (r: ScannerRegistration): AdapterEndpoint => ({
  url: r.url,
  auth: r.auth,
  accessCredential: r.accessCredential,
  skipCertVerify: r.skipCertVerify,
});

function validate(input: RegistrationInput): void {
  if (input.name.trim() === '' || input.name.length > 128)
    throw new BerthError('INVALID_INPUT', 'a scanner name is 1 to 128 characters');
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new BerthError('INVALID_INPUT', `the scanner URL ${input.url.slice(0, 200)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BerthError('INVALID_INPUT', 'a scanner adapter URL is http:// or https://');
  if (input.auth !== undefined && !(authTypes as readonly string[]).includes(input.auth))
    throw new BerthError(
      'INVALID_INPUT',
      `auth is one of "", Basic, Bearer, X-ScannerAdapter-API-Key, not ${input.auth.slice(0, 40)}`,
    );
}

/**
 * Scanner registrations (Harbor's /scanners): the built-in scanner and external adapters speaking
 * the Pluggable Scanner API, one of them the system default; and each project's choice among them.
 */
export class ScannerRegistrations {
  private readonly seen = new Map<string, { health: AdapterHealth; until: number }>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly client: AdapterClient,
    private readonly vulndb: VulnDbService,
    private readonly version: string,
  ) {}

  list(query: RegistrationQuery): Promise<Listed<ScannerRegistration>> {
    return repo.listRegistrations(this.ctx.db, query);
  }

  find(uuid: string): Promise<ScannerRegistration | undefined> {
    return repo.registrationById(this.ctx.db, uuid);
  }

  async get(uuid: string): Promise<ScannerRegistration> {
    const found = await this.find(uuid);
    if (!found) throw new BerthError('NOT_FOUND', `scanner registration ${uuid.slice(0, 64)} not found`);
    return found;
  }

  async create(input: RegistrationInput): Promise<ScannerRegistration> {
    validate(input);
    await this.assertUnique(input, undefined);
    return repo.insertRegistration(
      this.ctx.db,
      randomUUID(),
      {
        name: input.name,
        description: input.description ?? '',
        url: input.url,
        auth: input.auth ?? '',
        accessCredential: input.auth ? (input.access_credential ?? '') : '',
        skipCertVerify: input.skip_certVerify ?? false,
        useInternalAddr: input.use_internal_addr ?? false,
        disabled: input.disabled ?? false,
      },
      this.ctx.now(),
    );
  }

  /**
   * Replaces the settings; an empty or missing credential keeps the stored one while `auth` still
   * needs one (Harbor's rule), and clearing `auth` drops it.
   */
  async update(uuid: string, input: RegistrationInput): Promise<ScannerRegistration> {
    const current = await this.get(uuid);
    if (current.immutable)
      throw new BerthError('FORBIDDEN', `the scanner ${current.name} is built in and cannot be changed`);
    validate(input);
    await this.assertUnique(input, uuid);
    if (input.disabled && current.isDefault)
      throw new BerthError(
        'PRECONDITION_FAILED',
        `the scanner ${current.name} is the system default; make another scanner the default before disabling it`,
      );
    const auth = input.auth ?? '';
    const updated = await repo.updateRegistration(
      this.ctx.db,
      uuid,
      {
        name: input.name,
        description: input.description ?? '',
        url: input.url,
        auth,
        accessCredential: auth === '' ? '' : input.access_credential || current.accessCredential,
        skipCertVerify: input.skip_certVerify ?? false,
        useInternalAddr: input.use_internal_addr ?? false,
        disabled: input.disabled ?? false,
      },
      this.ctx.now(),
    );
    this.seen.delete(uuid);
    return updated;
  }

  /** Removes a registration; projects that chose it fall back to the system default. */
  async delete(uuid: string): Promise<ScannerRegistration> {
    const current = await this.get(uuid);
    if (current.immutable)
      throw new BerthError('FORBIDDEN', `the scanner ${current.name} is built in and cannot be removed`);
    if (current.isDefault)
      throw new BerthError(
        'PRECONDITION_FAILED',
        `the scanner ${current.name} is the system default; make another scanner the default first`,
      );
    await repo.deleteRegistration(this.ctx.db, uuid);
    this.seen.delete(uuid);
    return current;
  }

  /** Makes the registration the system default (there is always exactly one). */
  async setDefault(uuid: string, isDefault: boolean): Promise<void> {
    const current = await this.get(uuid);
    if (!isDefault) {
      if (current.isDefault)
        throw new BerthError(
          'INVALID_INPUT',
          'there is always a default scanner: make another scanner the default instead',
        );
      return;
    }
    if (current.disabled)
      throw new BerthError('PRECONDITION_FAILED', `the scanner ${current.name} is disabled; enable it first`);
    await repo.makeDefault(this.ctx.db, uuid, this.ctx.now());
  }

  /**
   * The registration marked as the system default; undefined when none is (Harbor then refuses to
   * scan all). Berth keeps one marked at all times: the built-in scanner, unless another was chosen.
   */
  markedDefault(): Promise<ScannerRegistration | undefined> {
    return repo.defaultRegistration(this.ctx.db);
  }

  async systemDefault(): Promise<ScannerRegistration> {
    return (await this.markedDefault()) ?? this.get(builtInScannerId);
  }

  /** The scanner that scans the project's artifacts: its own choice, else the system default. */
  async forProject(projectId: number): Promise<ScannerRegistration> {
    return (await repo.projectRegistration(this.ctx.db, projectId)) ?? this.systemDefault();
  }

  /** Sets the project's scanner (an enabled registration). */
  async setForProject(projectId: number, uuid: string): Promise<void> {
    const registration = await this.find(uuid);
    if (!registration)
      throw new BerthError('INVALID_INPUT', `there is no scanner registration ${uuid.slice(0, 64)}`);
    if (registration.disabled)
      throw new BerthError('PRECONDITION_FAILED', `the scanner ${registration.name} is disabled`);
    await repo.setProjectRegistration(this.ctx.db, projectId, uuid);
  }

  /** The adapter's metadata (the built-in scanner's own), fetched now. */
  async metadata(registration: ScannerRegistration, timeoutMs?: number): Promise<AdapterMetadata> {
    if (registration.uuid === builtInScannerId) return this.builtInMetadata();
    const metadata = await this.client.metadata(endpointOf(registration), timeoutMs);
    this.seen.set(registration.uuid, {
      health: { metadata, healthy: true },
      until: this.ctx.now() + metadataTtlMs,
    });
    return metadata;
  }

  /** Whether the adapter answers, with its metadata; remembered for a minute. */
  async health(registration: ScannerRegistration): Promise<AdapterHealth> {
    const cached = this.seen.get(registration.uuid);
    if (cached && cached.until > this.ctx.now()) return cached.health;
    try {
      return { metadata: await this.metadata(registration, healthTimeoutMs), healthy: true };
    } catch {
      const health = { metadata: undefined, healthy: false };
      this.seen.set(registration.uuid, { health, until: this.ctx.now() + healthTimeoutMs });
      return health;
    }
  }

  /** Fetches the metadata of unsaved settings (`POST /scanners/ping`). */
  async ping(input: RegistrationInput): Promise<AdapterMetadata> {
    validate(input);
    return this.client.metadata({
      url: input.url,
      auth: input.auth ?? '',
      accessCredential: input.access_credential ?? '',
      skipCertVerify: input.skip_certVerify ?? false,
    });
  }

  private async builtInMetadata(): Promise<AdapterMetadata> {
    const sources = await this.vulndb.status();
    const updated = Math.max(0, ...sources.map((s) => s.importedAt.getTime()));
    return {
      scanner: { name: 'Berth', vendor: 'Berth', version: this.version },
      capabilities: [
        {
          type: 'vulnerability',
          consumes_mime_types: manifestTypes,
          produces_mime_types: ['application/vnd.security.vulnerability.report; version=1.1'],
        },
        {
          type: 'sbom',
          consumes_mime_types: manifestTypes,
          produces_mime_types: ['application/vnd.security.sbom.report+json; version=1.0'],
          additional_attributes: {
            sbom_media_types: ['application/spdx+json', 'application/vnd.cyclonedx+json'],
          },
        },
      ],
      properties: {
        'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
        ...(updated > 0
          ? { 'harbor.scanner-adapter/vulnerability-database-updated-at': new Date(updated).toISOString() }
          : {}),
      },
    };
  }

  private async assertUnique(input: RegistrationInput, self: string | undefined): Promise<void> {
    const clash = await repo.clashingRegistration(this.ctx.db, input.name, input.url, self);
    if (clash)
      throw new BerthError(
        'CONFLICT',
        clash.name === input.name
          ? `a scanner named ${input.name} is registered already`
          : `a scanner at ${input.url} is registered already`,
      );
  }
}
