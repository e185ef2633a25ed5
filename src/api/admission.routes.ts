import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ArtifactService } from '../domain/artifact/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import type { VulnerabilityPolicy } from '../scan/index.js';
import { Errors, errorResponses, ref } from './schemas/index.js';

export interface AdmissionRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly policy: VulnerabilityPolicy;
  /** host[:port] names of this registry as clusters write them in image references. */
  readonly registryHosts: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The pod spec inside a Pod, a workload's template, or a CronJob's job template. */
function podSpecOf(object: Json): Json | undefined {
  const spec = isObject(object.spec) ? object.spec : undefined;
  if (!spec) return undefined;
  if (Array.isArray(spec.containers)) return spec;
  const template = isObject(spec.template) ? spec.template : undefined;
  if (template && isObject(template.spec)) return template.spec;
  const job =
    isObject(spec.jobTemplate) && isObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
  const jobTemplate = job && isObject(job.template) ? job.template : undefined;
  return jobTemplate && isObject(jobTemplate.spec) ? jobTemplate.spec : undefined;
}

function imagesOf(spec: Json): string[] {
  const images: string[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObject(c) && typeof c.image === 'string') images.push(c.image);
  }
  return [...new Set(images)];
}

/** host, repository and reference (tag or digest) of an image reference; the host is the first part when it looks like one. */
function parseImage(image: string): { host: string; repository: string; reference: string } | undefined {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = withoutDigest.indexOf('/');
  if (slash < 0) return undefined;
  const host = withoutDigest.slice(0, slash);
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return undefined;
  const rest = withoutDigest.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const repository = colon > rest.lastIndexOf('/') ? rest.slice(0, colon) : rest;
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : 'latest';
  return { host: host.toLowerCase(), repository, reference: at >= 0 ? image.slice(at + 1) : tag };
}

/**
 * A Kubernetes ValidatingAdmissionWebhook (AdmissionReview v1): a Pod (or a workload's pod template)
 * is admitted when every image it names from this registry passes its project's vulnerability policy.
 * Images from other registries are not Berth's to judge. An image the caller may not see, or that is
 * not here, is refused with the same words, so the answer reveals nothing of private projects.
 */
export const admissionRoutes: FastifyPluginAsyncTypebox<AdmissionRoutesDeps> = async (
  app,
  { projects, artifacts, policy, registryHosts },
) => {
  async function judge(request: FastifyRequest, image: string): Promise<string | undefined> {
    const parsed = parseImage(image);
    if (!parsed || !registryHosts.includes(parsed.host)) return undefined;
    const hidden = `${image}: not found in this registry, or not visible to the webhook's credentials`;
    const project = await projects.ownerOf(parsed.repository);
    if (!project || !(await request.security.canSee(project))) return hidden;
    let digest: string;
    try {
      digest = (await artifacts.getArtifact(parsed.repository, parsed.reference)).digest;
    } catch (error) {
      if (error instanceof BerthError) return hidden;
      throw error;
    }
    const verdict = await policy.verdict(project, digest);
    return verdict.allowed ? undefined : `${image}: ${verdict.reason}`;
  }

  app.post(
    '/admission',
    {
      schema: {
        tags: ['admission'],
        summary:
          'Kubernetes ValidatingAdmissionWebhook: do a Pod’s images pass their project’s vulnerability policy?',
        body: Type.Object(
          {
            apiVersion: Type.String(),
            kind: Type.Literal('AdmissionReview'),
            request: Type.Object(
              { uid: Type.String(), object: Type.Optional(Type.Unknown()) },
              { additionalProperties: true },
            ),
          },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            apiVersion: Type.String(),
            kind: Type.Literal('AdmissionReview'),
            response: Type.Object({
              uid: Type.String(),
              allowed: Type.Boolean(),
              status: Type.Optional(Type.Object({ code: Type.Integer(), message: Type.String() })),
            }),
          }),
          ...errorResponses,
          503: ref(Errors),
        },
      },
    },
    async (request) => {
      if (registryHosts.length === 0) {
        // Judging no host would admit every image: refuse to judge, and let failurePolicy decide.
        throw new BerthError(
          'NOT_CONFIGURED',
          'the admission webhook needs to know this registry’s host names: set admission.registryHosts (BERTH_ADMISSION_REGISTRY_HOSTS) or externalUrl (BERTH_EXTERNAL_URL)',
        );
      }
      const review = request.body;
      const object = isObject(review.request.object) ? review.request.object : {};
      const spec = podSpecOf(object);
      const refusals: string[] = [];
      for (const image of spec ? imagesOf(spec) : []) {
        const refusal = await judge(request, image);
        if (refusal) refusals.push(refusal);
      }
      return {
        apiVersion: review.apiVersion,
        kind: 'AdmissionReview' as const,
        response: {
          uid: review.request.uid,
          allowed: refusals.length === 0,
          ...(refusals.length > 0 ? { status: { code: 403, message: refusals.join('; ') } } : {}),
        },
      };
    },
  );
};
