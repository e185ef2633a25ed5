import { isIndexType } from '../manifest/index.js';

export interface Tag {
  readonly repositoryId: number;
  readonly artifactId: number;
  readonly name: string;
  readonly pushTime: Date;
  readonly pullTime: Date | null;
}

export interface Platform {
  readonly architecture?: string;
  readonly os?: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: string[];
  readonly variant?: string;
}

/** A child of an index: its descriptor's platform and annotations, and the child artifact's id. */
export interface ChildReference {
  readonly parentId: number;
  readonly childId: number | undefined;
  readonly childDigest: string;
  readonly platform?: Platform;
  readonly annotations?: Record<string, string>;
  readonly urls?: string[];
}

/** An artifact as the management API shows it: a manifest of a repository, with what hangs off it. */
export interface Artifact {
  readonly id: number;
  readonly projectId: number;
  readonly repositoryId: number;
  readonly repositoryName: string;
  readonly digest: string;
  /** IMAGE, CHART, CNAB or UNKNOWN, from the config media type as Harbor classifies it. */
  readonly type: string;
  /** The config's media type for a manifest, the manifest's own for an index (Harbor's media_type). */
  readonly mediaType: string;
  readonly manifestMediaType: string;
  readonly artifactType: string;
  readonly size: number;
  readonly pushTime: Date;
  readonly pullTime: Date | null;
  readonly annotations: Record<string, string>;
  readonly subject: string | null;
  readonly references: ChildReference[];
  readonly tags: Tag[];
  /** The config blob's digest (images), from which extra attributes are read. */
  readonly configDigest: string | undefined;
}

/** Accessories are artifacts whose subject is another: signatures, SBOMs, attestations. */
export interface Accessory {
  readonly id: number;
  readonly artifactId: number;
  readonly subjectArtifactId: number;
  readonly subjectDigest: string;
  readonly repositoryName: string;
  readonly digest: string;
  readonly size: number;
  readonly type: string;
  readonly createdAt: Date;
}

/** What an artifact list filters and sorts by (Harbor's artifact columns, and its tags and labels). */
export type ArtifactField =
  | 'id'
  | 'digest'
  | 'mediaType'
  | 'manifestMediaType'
  | 'artifactType'
  | 'type'
  | 'pushTime'
  | 'pullTime'
  | 'repositoryId'
  | 'repositoryName'
  | 'projectId'
  | 'tags'
  | 'labels';

export type TagField = 'id' | 'name' | 'pushTime' | 'pullTime' | 'repositoryId' | 'artifactId';

export interface ManifestShape {
  readonly configMediaType: string | undefined;
  readonly configDigest: string | undefined;
  readonly layers: number;
  readonly children: readonly {
    digest: string;
    platform?: Platform;
    annotations?: Record<string, string>;
    urls?: string[];
  }[];
}

/** The parts of a stored (already validated) manifest the API shows. */
export function manifestShape(content: Buffer): ManifestShape {
  const json = JSON.parse(content.toString('utf8')) as {
    config?: { mediaType?: string; digest?: string };
    layers?: unknown[];
    manifests?: {
      digest: string;
      platform?: Platform;
      annotations?: Record<string, string>;
      urls?: string[];
    }[];
  };
  return {
    configMediaType: json.config?.mediaType,
    configDigest: json.config?.digest,
    layers: json.layers?.length ?? 0,
    children: (json.manifests ?? []).map((m) => ({
      digest: m.digest,
      ...(m.platform ? { platform: m.platform } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
      ...(m.urls ? { urls: m.urls } : {}),
    })),
  };
}

const imageConfigs = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

/** Harbor's artifact type: what the config media type says the artifact is. */
export function artifactKind(manifestMediaType: string, configMediaType: string | undefined): string {
  if (isIndexType(manifestMediaType)) return 'IMAGE';
  if (configMediaType === undefined) return 'UNKNOWN';
  if (imageConfigs.has(configMediaType)) return 'IMAGE';
  if (configMediaType === 'application/vnd.cncf.helm.config.v1+json') return 'CHART';
  if (configMediaType === 'application/vnd.cnab.manifest.v1') return 'CNAB';
  return 'UNKNOWN';
}

/** Harbor's accessory types: cosign and Notation signatures, SBOMs, anything else attached. */
export function accessoryKind(artifactType: string | null): string {
  if (artifactType === 'application/vnd.dev.cosign.artifact.sig.v1+json') return 'signature.cosign';
  if (artifactType === 'application/vnd.cncf.notary.signature') return 'signature.notation';
  if (artifactType && /sbom|spdx|cyclonedx/i.test(artifactType)) return 'sbom.harbor';
  return 'subject.accessory';
}
