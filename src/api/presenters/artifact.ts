import type { Accessory, Artifact, Tag } from '../../domain/artifact/index.js';
import type { labelResponse } from './label.js';
import type { scanOverview } from './scan.js';

/** Harbor's zero time, which it shows for "never pulled". */
const never = '0001-01-01T00:00:00.000Z';
const pullTime = (time: Date | null) => (time === null ? never : time.toISOString());

/** A repository name as Harbor's paths carry it: without the project, a slash encoded twice. */
export const encodedRepository = (name: string) =>
  encodeURIComponent(encodeURIComponent(name.slice(name.indexOf('/') + 1)));

/** Harbor's Tag; `immutable` as asked (`with_immutable_status`), else false as Harbor shows it. */
export function tagResponse(tag: Tag, immutable: (name: string) => boolean = () => false) {
  return {
    repository_id: tag.repositoryId,
    artifact_id: tag.artifactId,
    name: tag.name,
    push_time: tag.pushTime.toISOString(),
    pull_time: pullTime(tag.pullTime),
    immutable: immutable(tag.name),
  };
}

/** Harbor's Accessory. */
export function accessoryResponse(a: Accessory) {
  return {
    id: a.id,
    artifact_id: a.artifactId,
    subject_artifact_id: a.subjectArtifactId,
    subject_artifact_digest: a.subjectDigest,
    subject_artifact_repo: a.repositoryName,
    size: a.size,
    digest: a.digest,
    type: a.type,
    icon: '',
    creation_time: a.createdAt.toISOString(),
  };
}

/** What an artifact's answer carries beside the artifact itself, as asked for (`with_…`). */
export interface ArtifactExtras {
  readonly projectName: string;
  readonly withTags: boolean;
  /** Which tags are immutable, when the caller asked (`with_immutable_status`). */
  readonly immutable?: ((name: string) => boolean) | undefined;
  readonly extraAttrs?: Record<string, unknown> | undefined;
  readonly accessories?: readonly Accessory[] | undefined;
  readonly scanOverview?: Record<string, ReturnType<typeof scanOverview>> | undefined;
  readonly labels?: readonly ReturnType<typeof labelResponse>[] | undefined;
}

/** Harbor's Artifact. */
export function artifactResponse(view: Artifact, extras: ArtifactExtras) {
  const links: Record<string, { href: string; absolute: boolean }> = {};
  const base = `/api/v2.0/projects/${extras.projectName}/repositories/${encodedRepository(view.repositoryName)}/artifacts/${view.digest}`;
  if (extras.extraAttrs) links.build_history = { href: `${base}/additions/build_history`, absolute: false };
  return {
    id: view.id,
    type: view.type,
    media_type: view.mediaType,
    manifest_media_type: view.manifestMediaType,
    artifact_type: view.artifactType,
    project_id: view.projectId,
    repository_id: view.repositoryId,
    repository_name: view.repositoryName,
    digest: view.digest,
    size: view.size,
    icon: '',
    push_time: view.pushTime.toISOString(),
    pull_time: pullTime(view.pullTime),
    ...(extras.extraAttrs ? { extra_attrs: extras.extraAttrs } : {}),
    annotations: view.annotations,
    references: view.references.map((r) => ({
      parent_id: r.parentId,
      ...(r.childId !== undefined ? { child_id: r.childId } : {}),
      child_digest: r.childDigest,
      ...(r.platform ? { platform: r.platform } : {}),
      ...(r.annotations ? { annotations: r.annotations } : {}),
      ...(r.urls ? { urls: r.urls } : {}),
    })),
    ...(extras.withTags ? { tags: view.tags.map((t) => tagResponse(t, extras.immutable)) } : {}),
    addition_links: links,
    ...(extras.accessories ? { accessories: extras.accessories.map(accessoryResponse) } : {}),
    ...(extras.scanOverview ? { scan_overview: extras.scanOverview } : {}),
    ...(extras.labels ? { labels: [...extras.labels] } : {}),
  };
}
