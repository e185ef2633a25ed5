import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BlobService } from '../domain/blob/index.js';
import type { UploadService } from '../domain/upload/index.js';
import { parseDigest } from '../lib/digest.js';
import { BerthError } from '../lib/errors.js';
import { contentLength, contentRange, hasBody, query, requestedRange, uploadRange } from './http.js';

export interface BlobHandlerDeps {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
}

const blobLocation = (name: string, digest: string) => `/v2/${name}/blobs/${digest}`;
const uploadLocation = (name: string, id: string) => `/v2/${name}/blobs/uploads/${id}`;

function blobHeaders(reply: FastifyReply, digest: string): void {
  reply.header('Docker-Content-Digest', digest);
  reply.header('ETag', `"${digest}"`);
  reply.header('Accept-Ranges', 'bytes');
  reply.header('Cache-Control', 'max-age=31536000');
  reply.type('application/octet-stream');
}

export async function headBlob(deps: BlobHandlerDeps, reply: FastifyReply, name: string, digest: string) {
  const size = await deps.blobs.stat(name, digest);
  blobHeaders(reply, digest);
  reply.header('Content-Length', size);
  return reply.code(200).send();
}

export async function getBlob(
  deps: BlobHandlerDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  digest: string,
) {
  const size = await deps.blobs.stat(name, digest);
  const range = requestedRange(request, size);
  blobHeaders(reply, digest);
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${size}`);
    throw new BerthError(
      'RANGE_INVALID',
      `range ${request.headers.range} cannot be served from ${size} bytes`,
    );
  }
  const abort = new AbortController();
  request.raw.once('close', () => abort.abort());
  const blob = await deps.blobs.open(name, digest, range, abort.signal);
  if (range) {
    reply.header('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    reply.header('Content-Length', range.end - range.start + 1);
    return reply.code(206).send(blob.stream);
  }
  reply.header('Content-Length', size);
  return reply.code(200).send(blob.stream);
}

export async function deleteBlob(deps: BlobHandlerDeps, reply: FastifyReply, name: string, digest: string) {
  await deps.blobs.unlink(name, digest);
  return reply.code(202).header('Content-Length', 0).send();
}

function uploadAccepted(reply: FastifyReply, name: string, id: string, size: number, status: number) {
  return reply
    .code(status)
    .header('Location', uploadLocation(name, id))
    .header('Range', uploadRange(size))
    .header('Docker-Upload-UUID', id)
    .header('Content-Length', 0)
    .send();
}

function blobCreated(reply: FastifyReply, name: string, digest: string) {
  return reply
    .code(201)
    .header('Location', blobLocation(name, digest))
    .header('Docker-Content-Digest', digest)
    .header('Content-Length', 0)
    .send();
}

/** `POST /v2/<name>/blobs/uploads/`: a monolithic upload (`?digest=`), a mount (`?mount=&from=`) or a new session. */
export async function startUpload(
  deps: BlobHandlerDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  mayMountFrom: (repository: string) => Promise<boolean>,
) {
  const digest = query(request, 'digest');
  if (digest !== undefined) {
    const blob = await deps.uploads.putMonolithic(name, digest, request.raw, contentLength(request));
    return blobCreated(reply, name, blob.digest);
  }
  const mount = query(request, 'mount');
  if (mount !== undefined) {
    parseDigest(mount);
    const from = query(request, 'from');
    if (from !== undefined && (await mayMountFrom(from)) && (await deps.blobs.mount(name, mount, from))) {
      return blobCreated(reply, name, mount);
    }
  }
  const upload = await deps.uploads.start(name);
  return uploadAccepted(reply, name, upload.id, 0, 202);
}

export async function uploadStatus(deps: BlobHandlerDeps, reply: FastifyReply, name: string, id: string) {
  const upload = await deps.uploads.status(name, id);
  return uploadAccepted(reply, name, id, upload.size, 204);
}

export async function patchUpload(
  deps: BlobHandlerDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  id: string,
) {
  const chunk = { range: contentRange(request), length: contentLength(request) };
  const upload = await deps.uploads.append(name, id, request.raw, chunk);
  return uploadAccepted(reply, name, id, upload.size, 202);
}

export async function completeUpload(
  deps: BlobHandlerDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  id: string,
) {
  const digest = query(request, 'digest');
  if (digest === undefined)
    throw new BerthError('DIGEST_INVALID', 'the digest query parameter is required to complete an upload');
  const body = hasBody(request) ? request.raw : undefined;
  const chunk = { range: body ? contentRange(request) : undefined, length: contentLength(request) };
  const blob = await deps.uploads.complete(name, id, digest, body, chunk);
  return blobCreated(reply, name, blob.digest);
}

export async function cancelUpload(deps: BlobHandlerDeps, reply: FastifyReply, name: string, id: string) {
  await deps.uploads.cancel(name, id);
  return reply.code(204).send();
}
