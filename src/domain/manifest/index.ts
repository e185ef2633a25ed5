export { type Descriptor, type ParsedManifest, parseManifest } from './manifest.parse.js';
export type { StoredManifest } from './manifest.repo.js';
export { type ManifestLimits, ManifestService, type PutResult } from './manifest.service.js';
export { isIndexType, manifestMediaTypes, mediaTypes } from './media-types.js';
