import { parseDigest } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { isIndexType, isNonDistributable, manifestMediaTypes, mediaTypes } from './media-types.js';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
  readonly urls?: string[];
}

export interface ParsedManifest {
  readonly mediaType: string;
  /** artifactType, or for an image manifest without one, its config's media type (as the referrers API reports it). */
  readonly artifactType: string | null;
  readonly annotations: Record<string, string> | null;
  readonly subject: Descriptor | null;
  /** The config's media type (image manifests only). */
  readonly configMediaType: string | null;
  /** Blobs the registry must hold in the repository, at their declared sizes, before it accepts the manifest. */
  readonly blobs: DescriptorReference[];
  /** Child manifests (of an index) that must already be in the repository, at their declared sizes. */
  readonly manifests: DescriptorReference[];
}

/** A descriptor's digest and declared size, with where it stands in the manifest (`layers[2]`). */
export interface DescriptorReference {
  readonly digest: string;
  readonly size: number;
  readonly where: string;
}

function invalid(message: string): never {
  throw new BerthError('MANIFEST_INVALID', message);
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    invalid(`${where} must be a map of strings`);
  }
  return value as Record<string, string>;
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, artifactType, urls } = value;
  if (typeof mediaType !== 'string' || mediaType === '') invalid(`${where}.mediaType is missing`);
  if (typeof digest !== 'string') invalid(`${where}.digest is missing`);
  try {
    parseDigest(digest);
  } catch {
    invalid(`${where}.digest "${digest.slice(0, 80)}" is not a valid digest`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    invalid(`${where}.size must be a non-negative integer`);
  if (artifactType !== undefined && typeof artifactType !== 'string')
    invalid(`${where}.artifactType must be a string`);
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))) {
    invalid(`${where}.urls must be a list of strings`);
  }
  const annotations = stringMap(value.annotations, `${where}.annotations`);
  return {
    mediaType,
    digest,
    size,
    ...(artifactType !== undefined ? { artifactType: artifactType as string } : {}),
    ...(annotations ? { annotations } : {}),
    ...(urls ? { urls: urls as string[] } : {}),
  };
}

function descriptors(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) invalid(`${where} must be a list of descriptors`);
  return value.map((item, i) => descriptor(item, `${where}[${i}]`));
}

/** The media type named by the request, without parameters, if it is a manifest type at all. */
function headerType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type && (manifestMediaTypes.includes(type) || type.startsWith(mediaTypes.dockerSchema1.slice(0, 45)))
    ? type
    : undefined;
}

/**
 * Validates a manifest body against its media type (from Content-Type or the body's own mediaType)
 * and lists what it references. Throws MANIFEST_INVALID with the offending field named.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    invalid(`manifest is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) invalid('manifest must be a JSON object');
  const declared = headerType(contentType);
  const own = json.mediaType;
  if (own !== undefined && typeof own !== 'string') invalid('mediaType must be a string');
  if (declared && own && declared !== own) {
    invalid(`Content-Type ${declared} does not match the manifest's mediaType ${own}`);
  }
  const mediaType =
    declared ?? own ?? (Array.isArray(json.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest);
  if (
    mediaType === mediaTypes.dockerSchema1 ||
    mediaType === mediaTypes.dockerSchema1Signed ||
    json.schemaVersion === 1
  ) {
    invalid('Docker schema 1 manifests are not supported; push schema 2 or OCI');
  }
  if (!manifestMediaTypes.includes(mediaType))
    invalid(`unsupported manifest media type ${mediaType.slice(0, 100)}`);
  if (json.schemaVersion !== 2) invalid('schemaVersion must be 2');

  const annotations = stringMap(json.annotations, 'annotations') ?? null;
  const subject = json.subject === undefined ? null : descriptor(json.subject, 'subject');
  if (json.artifactType !== undefined && typeof json.artifactType !== 'string')
    invalid('artifactType must be a string');
  const artifactType = (json.artifactType as string | undefined) ?? null;

  if (isIndexType(mediaType)) {
    if (json.config !== undefined || json.layers !== undefined) invalid('an index has no config or layers');
    const children = descriptors(json.manifests, 'manifests');
    return {
      mediaType,
      artifactType,
      annotations,
      subject,
      configMediaType: null,
      blobs: [],
      manifests: children.map((c, i) => ({ digest: c.digest, size: c.size, where: `manifests[${i}]` })),
    };
  }
  if (json.manifests !== undefined) invalid('an image manifest has no manifests list');
  const config = descriptor(json.config, 'config');
  const layers =
    json.layers === undefined && mediaType === mediaTypes.ociManifest
      ? []
      : descriptors(json.layers, 'layers');
  const blobs = [{ ...config, where: 'config' }, ...layers.map((d, i) => ({ ...d, where: `layers[${i}]` }))]
    .filter((d) => !(isNonDistributable(d.mediaType) && d.urls?.length))
    .map((d) => ({ digest: d.digest, size: d.size, where: d.where }));
  return {
    mediaType,
    artifactType: artifactType ?? (mediaType === mediaTypes.ociManifest ? config.mediaType : null),
    annotations,
    subject,
    configMediaType: config.mediaType,
    blobs,
    manifests: [],
  };
}
