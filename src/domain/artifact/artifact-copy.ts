import type { Kysely, Transaction } from 'kysely';
import type { Database, Dialect } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { linkBlob, lockLiveBlobs } from '../blob/blob.repo.js';
import type { ImmutableMatcher } from '../immutable/index.js';
import { accessoryDigests, insertManifest, manifestId } from '../manifest/manifest.repo.js';
import { upsertTag } from '../manifest/tag.repo.js';
import { assertRoom } from '../quota/index.js';
import { ensureRepository, touchRepository } from '../repository/index.js';
import { storedManifest, tagsOn, tagTarget } from './artifact.repo.js';

/**
 * Copies an artifact into another repository as Harbor's CopyArtifact does: an index's children
 * first, then the artifact, then its accessories (signatures, SBOMs), each with its tags and the
 * blob links it needs; what the destination holds already is kept. Blob data is shared, never
 * copied. Labels and scan reports stay behind; a tag the destination holds immutable on another
 * digest is not moved (PRECONDITION). Returns the digests copied, the artifact's last.
 */
export async function copyArtifact(
  db: Kysely<Database>,
  dialect: Dialect,
  source: { readonly repositoryId: number; readonly digest: string },
  destination: string,
  now: number,
  immutable: ImmutableMatcher,
): Promise<string[]> {
  const root = await storedManifest(db, source.repositoryId, source.digest);
  if (!root) throw new BerthError('NOT_FOUND', `artifact ${source.digest} not found`);
  if (!root.topLevel && root.subjectDigest !== null)
    throw new BerthError('FORBIDDEN', "the operation isn't supported for an artifact accessory");
  return db.transaction().execute(async (tx) => {
    const target = await ensureRepository(tx, destination, now);
    const copied: string[] = [];
    const seen = new Set<string>();
    const copy = async (digest: string, trx: Transaction<Database>): Promise<void> => {
      if (seen.has(digest)) return;
      seen.add(digest);
      const manifest = await storedManifest(trx, source.repositoryId, digest);
      if (!manifest) return;
      for (const child of manifest.children) await copy(child, trx);
      if ((await manifestId(trx, target, digest)) === undefined) {
        const sizes = await lockLiveBlobs(trx, dialect, manifest.blobs);
        await assertRoom(trx, dialect, target, [
          ...[...sizes].map(([blob, size]) => ({ digest: blob, size })),
          { digest, size: manifest.size },
        ]);
        for (const blob of manifest.blobs)
          if (!(await linkBlob(trx, dialect, target, blob, now)))
            throw new BerthError(
              'NOT_FOUND',
              `blob ${blob} of artifact ${digest} was garbage-collected meanwhile`,
            );
        await insertManifest(
          trx,
          dialect,
          {
            repository_id: target,
            digest,
            media_type: manifest.mediaType,
            artifact_type: manifest.artifactType,
            config_media_type: manifest.configMediaType,
            size: manifest.size,
            content: manifest.content,
            subject_digest: manifest.subjectDigest,
            annotations: manifest.annotations,
            created_at: now,
          },
          [
            ...manifest.blobs.map((d) => ({ digest: d, kind: 'blob' as const })),
            ...manifest.children.map((d) => ({ digest: d, kind: 'manifest' as const })),
          ],
        );
        copied.push(digest);
      }
      for (const tag of await tagsOn(trx, source.repositoryId, [digest])) {
        const held = await tagTarget(trx, target, tag.name);
        if (held !== undefined && held !== digest && immutable(tag.name) !== undefined)
          throw new BerthError(
            'PRECONDITION_FAILED',
            `the tag ${tag.name} configured as immutable, cannot be updated`,
          );
        if (!(await upsertTag(trx, dialect, target, tag.name, digest, now)))
          throw new BerthError('NOT_FOUND', `artifact ${digest} was deleted while it was copied`);
      }
      for (const accessory of await accessoryDigests(trx, source.repositoryId, digest))
        await copy(accessory, trx);
    };
    await copy(source.digest, tx);
    await touchRepository(tx, target, now);
    // The artifact asked for is reported last (after what it is made of), even when it was there before.
    return [...copied.filter((d) => d !== source.digest), source.digest];
  });
}
