import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlobService } from '../domain/blob/index.js';
import type { EventSink } from '../domain/events.js';
import type { ManifestService } from '../domain/manifest/index.js';
import { projectNameOf } from '../domain/project/index.js';
import type { UploadService } from '../domain/upload/index.js';
import { isBerthError } from '../lib/errors.js';
import { assertRepositoryName } from '../lib/names.js';
import { authorize, mayPull, type RegistryAuthDeps, type Requirement } from './authorize.js';
import {
  cancelUpload,
  completeUpload,
  deleteBlob,
  getBlob,
  headBlob,
  patchUpload,
  startUpload,
  uploadStatus,
} from './blobs.handlers.js';
import { ociError, registryErrorHandler } from './errors.js';
import {
  catalog,
  deleteManifest,
  getManifest,
  listTags,
  type PullGate,
  putManifest,
  referrers,
} from './manifests.handlers.js';
import { matchRoute, type RegistryRoute } from './route-table.js';

export interface RegistryDeps {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly catalogMaxEntries: number;
  readonly auth: RegistryAuthDeps;
  readonly events: EventSink;
  /** Consulted before a manifest GET is answered (the vulnerability policy). */
  readonly pullGate?: PullGate | undefined;
  /** Throws READ_ONLY while the registry is read-only (consulted before every write). */
  readonly assertWritable?: (() => void) | undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The access a route needs: pull to read, push to write, delete to delete; the catalog is the registry's. */
function requirement(route: RegistryRoute, method: string): Requirement {
  if (route.kind === 'catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const action =
    method === 'DELETE' && (route.kind === 'manifest' || route.kind === 'blob')
      ? 'delete'
      : route.kind === 'uploads' || route.kind === 'upload' || (route.kind === 'manifest' && method === 'PUT')
        ? 'push'
        : 'pull';
  return [{ type: 'repository', name: route.name, actions: [action] }];
}

/**
 * The OCI Distribution API under /v2. Bodies are never parsed here: blob and manifest handlers read
 * the raw request stream themselves, with their own limits.
 */
export async function registryRoutes(app: FastifyInstance, deps: RegistryDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.setErrorHandler(registryErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .type('application/json')
      .send(ociError('UNSUPPORTED', `no such endpoint: ${request.url.slice(0, 200)}`));
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('Docker-Distribution-API-Version', 'registry/2.0');
    done();
  });

  const base = async (request: FastifyRequest, reply: FastifyReply) => {
    await authorize(deps.auth, request, reply, 'authenticated');
    return reply.type('application/json').send('{}');
  };
  app.route({ method: ['GET', 'HEAD'], url: '/v2/', handler: base, exposeHeadRoute: false });
  app.route({ method: ['GET', 'HEAD'], url: '/v2', handler: base, exposeHeadRoute: false });

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v2/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      const route = matchRoute(path, request.method);
      if (route.kind !== 'catalog') assertRepositoryName(route.name);
      const operator = await authorize(deps.auth, request, reply, requirement(route, request.method));
      if (!safeMethods.has(request.method)) deps.assertWritable?.();
      try {
        const answer = await dispatch(route, request, reply, operator);
        if (reply.statusCode < 300) report(deps.events, route, request.method, operator, reply);
        return answer;
      } catch (error) {
        if (route.kind !== 'catalog' && isBerthError(error) && error.code === 'QUOTA_EXCEEDED') {
          // Quota exceeded: on the event bus (the audit log now, webhooks when they come).
          deps.events({
            operation: 'push',
            resourceType: 'quota',
            resource: projectNameOf(route.name),
            operator,
            success: false,
            projectName: projectNameOf(route.name),
            description: error.message,
            time: Date.now(),
          });
        }
        if (route.kind === 'manifest' && isBerthError(error) && error.code === 'PRECONDITION_FAILED') {
          deps.events({
            operation: 'pull',
            resourceType: 'artifact',
            resource: artifactResource(route.name, route.reference),
            operator,
            success: false,
            projectName: projectNameOf(route.name),
            description: `blocked by the vulnerability policy: ${error.message}`,
            time: Date.now(),
          });
        }
        throw error;
      }
    },
  });

  function dispatch(route: RegistryRoute, request: FastifyRequest, reply: FastifyReply, operator: string) {
    switch (route.kind) {
      case 'catalog':
        return catalog(deps.manifests, request, reply, deps.catalogMaxEntries);
      case 'tags':
        return listTags(deps.manifests, request, reply, route.name);
      case 'referrers':
        return referrers(deps.manifests, request, reply, route.name, route.digest);
      case 'manifest':
        if (request.method === 'PUT')
          return putManifest(deps.manifests, request, reply, route.name, route.reference);
        if (request.method === 'DELETE')
          return deleteManifest(deps.manifests, reply, route.name, route.reference);
        return getManifest(
          deps.manifests,
          request,
          reply,
          route.name,
          route.reference,
          operator,
          deps.pullGate,
        );
      case 'blob':
        if (request.method === 'HEAD') return headBlob(deps, reply, route.name, route.digest);
        if (request.method === 'DELETE') return deleteBlob(deps, reply, route.name, route.digest);
        return getBlob(deps, request, reply, route.name, route.digest);
      case 'uploads':
        return startUpload(deps, request, reply, route.name, (from) =>
          mayPull(deps.auth, request, reply, from),
        );
      case 'upload':
        if (request.method === 'PATCH') return patchUpload(deps, request, reply, route.name, route.id);
        if (request.method === 'PUT') return completeUpload(deps, request, reply, route.name, route.id);
        if (request.method === 'DELETE') return cancelUpload(deps, reply, route.name, route.id);
        return uploadStatus(deps, reply, route.name, route.id);
    }
  }
}

/** `repo:tag` or `repo@digest`, as the audit log names an artifact. */
const artifactResource = (name: string, reference: string) =>
  `${name}${reference.includes(':') ? '@' : ':'}${reference}`;

/** Pulls, pushes and deletions of manifests, tag and blob deletions go to the event bus (the audit log). */
function report(
  events: EventSink,
  route: RegistryRoute,
  method: string,
  operator: string,
  reply: FastifyReply,
): void {
  if (route.kind !== 'manifest' && !(route.kind === 'blob' && method === 'DELETE')) return;
  if (route.kind === 'manifest' && method === 'HEAD') return;
  const base = { operator, projectName: projectNameOf(route.name), success: true, time: Date.now() };
  if (route.kind === 'blob') {
    events({ ...base, operation: 'delete', resourceType: 'blob', resource: `${route.name}@${route.digest}` });
    return;
  }
  const byDigest = route.reference.includes(':');
  const resource = artifactResource(route.name, route.reference);
  const operation = method === 'GET' ? 'pull' : method === 'PUT' ? 'push' : 'delete';
  const resourceType = operation === 'delete' && !byDigest ? 'tag' : 'artifact';
  const digest = reply.getHeader('docker-content-digest');
  events({
    ...base,
    operation,
    resourceType,
    resource,
    repository: route.name,
    digest: typeof digest === 'string' ? digest : undefined,
    tag: byDigest ? undefined : route.reference,
  });
}
