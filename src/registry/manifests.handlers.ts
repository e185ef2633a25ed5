import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ManifestService, mediaTypes } from '../domain/manifest/index.js';
import { pageSize } from '../domain/pagination.js';
import { contentLength, linkHeader, query } from './http.js';

const maxPage = 10_000;

function manifestHeaders(
  reply: FastifyReply,
  manifest: { digest: string; mediaType: string; content: Buffer },
) {
  return reply
    .header('Content-Type', manifest.mediaType)
    .header('Docker-Content-Digest', manifest.digest)
    .header('ETag', `"${manifest.digest}"`)
    .header('Content-Length', manifest.content.length);
}

/** Decides whether the caller (`operator`) may pull a manifest (the vulnerability policy); throws to refuse. */
export type PullGate = (repository: string, digest: string, operator: string) => Promise<void>;

export async function getManifest(
  manifests: ManifestService,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  reference: string,
  operator: string,
  gate?: PullGate,
) {
  const manifest = await manifests.get(name, reference, request.headers.accept);
  if (gate && request.method === 'GET') await gate(name, manifest.digest, operator);
  manifestHeaders(reply, manifest).code(200);
  return request.method === 'HEAD' ? reply.send() : reply.send(manifest.content);
}

export async function putManifest(
  manifests: ManifestService,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  reference: string,
) {
  const result = await manifests.put(
    name,
    reference,
    request.raw,
    request.headers['content-type'],
    contentLength(request),
  );
  reply
    .code(201)
    .header('Location', `/v2/${name}/manifests/${result.digest}`)
    .header('Docker-Content-Digest', result.digest);
  if (result.subject) reply.header('OCI-Subject', result.subject);
  return reply.header('Content-Length', 0).send();
}

export async function deleteManifest(
  manifests: ManifestService,
  reply: FastifyReply,
  name: string,
  reference: string,
) {
  await manifests.delete(name, reference);
  return reply.code(202).header('Content-Length', 0).send();
}

export async function listTags(
  manifests: ManifestService,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
) {
  const raw = query(request, 'n');
  const n = raw === undefined ? undefined : pageSize(raw, 0, maxPage);
  const page = await manifests.tags(name, n, query(request, 'last'));
  if (n !== undefined) linkHeader(reply, `/v2/${name}/tags/list`, n, page.next);
  return reply.type('application/json').send({ name, tags: page.items });
}

export async function catalog(
  manifests: ManifestService,
  request: FastifyRequest,
  reply: FastifyReply,
  maxEntries: number,
) {
  const n = pageSize(query(request, 'n'), maxEntries, maxEntries);
  const page = await manifests.catalog(n, query(request, 'last'));
  linkHeader(reply, '/v2/_catalog', n, page.next);
  return reply.type('application/json').send({ repositories: page.items });
}

export async function referrers(
  manifests: ManifestService,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  digest: string,
) {
  const artifactType = query(request, 'artifactType');
  const descriptors = await manifests.referrers(name, digest, artifactType || undefined);
  if (artifactType) reply.header('OCI-Filters-Applied', 'artifactType');
  return reply
    .header('Content-Type', mediaTypes.ociIndex)
    .send(
      Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: descriptors }),
      ),
    );
}
