import { Readable } from 'node:stream';
import type { BlobService } from '../domain/blob/index.js';
import type { ServiceContext } from '../domain/context.js';
import type { ManifestService } from '../domain/manifest/index.js';
import { digestOf, parseDigest } from '../lib/digest.js';
import { blobKey } from '../storage/index.js';
import {
  cyclonedxDocument,
  cyclonedxMediaType,
  type SbomInput,
  spdxDocument,
  spdxMediaType,
} from './sbom.js';
import { storedManifest } from './scan.repo.js';

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const emptyConfig = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };

/**
 * Stores an image's SBOMs (SPDX 2.3 and CycloneDX 1.5) in its repository as OCI artifacts whose
 * subject is the image, so that `GET /v2/<name>/referrers/<digest>` lists them and any OCI client can
 * pull them. The documents depend only on the image and its packages, so publishing twice stores
 * nothing new.
 */
export class SbomPublisher {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly blobs: BlobService,
    private readonly manifests: ManifestService,
    private readonly tool: { name: string; version: string },
  ) {}

  /** Publishes both documents as referrers of the manifest; returns their manifest digests. */
  async publish(repository: string, digest: string, input: SbomInput): Promise<string[]> {
    const subject = await storedManifest(this.ctx.db, repository, digest);
    if (!subject) throw new Error(`manifest ${digest} is not in ${repository}`);
    const about = { repository, digest, created: subject.createdAt.getTime() };
    const documents: [string, Record<string, unknown>][] = [
      [spdxMediaType, spdxDocument(about, input, `${this.tool.name}-${this.tool.version}`)],
      [cyclonedxMediaType, cyclonedxDocument(about, input, this.tool)],
    ];
    const config = await this.blob(repository, emptyConfig.bytes);
    const published: string[] = [];
    for (const [mediaType, document] of documents) {
      const layer = await this.blob(repository, Buffer.from(JSON.stringify(document)));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          artifactType: mediaType,
          config: { mediaType: emptyConfig.mediaType, ...config },
          layers: [{ mediaType, ...layer }],
          subject: { mediaType: subject.mediaType, digest, size: subject.size },
          annotations: { 'org.opencontainers.image.created': new Date(about.created).toISOString() },
        }),
      );
      const manifestDigest = digestOf('sha256', manifest);
      await this.manifests.put(
        repository,
        manifestDigest,
        Readable.from([manifest]),
        ociManifest,
        manifest.length,
      );
      published.push(manifestDigest);
    }
    return published;
  }

  private async blob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
    const digest = digestOf('sha256', bytes);
    await this.blobs.store(repository, digest, bytes.length, async () => {
      await this.ctx.storage.write(blobKey(parseDigest(digest)), Readable.from([bytes]));
    });
    return { digest, size: bytes.length };
  }
}
