import { Type } from '@sinclair/typebox';
import { ref, stringMap, time } from './common.js';
import { Label } from './label.js';
import { NativeReportSummary } from './scan.js';

/** Harbor's repository, artifact, tag and accessory shapes. */

export const Repository = Type.Object(
  {
    id: Type.Integer(),
    project_id: Type.Integer(),
    name: Type.String({ description: 'the full name, project/repository' }),
    description: Type.String(),
    artifact_count: Type.Integer(),
    pull_count: Type.Integer(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'Repository' },
);

export const RepositoryUpdate = Type.Object(
  {
    description: Type.String({ maxLength: 4096 }),
    id: Type.Optional(Type.Integer()),
    project_id: Type.Optional(Type.Integer()),
    name: Type.Optional(Type.String()),
    artifact_count: Type.Optional(Type.Integer()),
    pull_count: Type.Optional(Type.Integer()),
    creation_time: Type.Optional(Type.String()),
    update_time: Type.Optional(Type.String()),
  },
  { $id: 'RepositoryUpdate', description: 'A Repository; only description is changed' },
);

export const Tag = Type.Object(
  {
    repository_id: Type.Integer(),
    artifact_id: Type.Integer(),
    name: Type.String(),
    push_time: time,
    pull_time: time,
    immutable: Type.Boolean(),
  },
  { $id: 'Tag' },
);

export const NewTag = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }, { $id: 'NewTag' });

export const Platform = Type.Object(
  {
    architecture: Type.Optional(Type.String()),
    os: Type.Optional(Type.String()),
    'os.version': Type.Optional(Type.String()),
    'os.features': Type.Optional(Type.Array(Type.String())),
    variant: Type.Optional(Type.String()),
  },
  { $id: 'Platform' },
);

export const Reference = Type.Object(
  {
    parent_id: Type.Integer(),
    child_id: Type.Optional(Type.Integer()),
    child_digest: Type.String(),
    platform: Type.Optional(ref(Platform)),
    annotations: Type.Optional(stringMap),
    urls: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'Reference' },
);

export const Accessory = Type.Object(
  {
    id: Type.Integer(),
    artifact_id: Type.Integer(),
    subject_artifact_id: Type.Integer(),
    subject_artifact_digest: Type.String(),
    subject_artifact_repo: Type.String(),
    size: Type.Integer(),
    digest: Type.String(),
    type: Type.String(),
    icon: Type.String(),
    creation_time: time,
  },
  { $id: 'Accessory' },
);

export const AdditionLink = Type.Object(
  { href: Type.String(), absolute: Type.Boolean() },
  { $id: 'AdditionLink' },
);

export const Artifact = Type.Object(
  {
    id: Type.Integer(),
    type: Type.String({ description: 'IMAGE, CHART, CNAB or UNKNOWN' }),
    media_type: Type.String(),
    manifest_media_type: Type.String(),
    artifact_type: Type.String(),
    project_id: Type.Integer(),
    repository_id: Type.Integer(),
    repository_name: Type.String(),
    digest: Type.String(),
    size: Type.Integer(),
    icon: Type.String(),
    push_time: time,
    pull_time: time,
    extra_attrs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    annotations: stringMap,
    references: Type.Array(ref(Reference)),
    tags: Type.Optional(Type.Array(ref(Tag))),
    addition_links: Type.Record(Type.String(), ref(AdditionLink)),
    accessories: Type.Optional(Type.Array(ref(Accessory))),
    scan_overview: Type.Optional(Type.Record(Type.String(), ref(NativeReportSummary))),
    labels: Type.Optional(Type.Array(ref(Label))),
  },
  { $id: 'Artifact' },
);
