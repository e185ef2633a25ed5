export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export const manifestMediaTypes: readonly string[] = [
  mediaTypes.ociManifest,
  mediaTypes.ociIndex,
  mediaTypes.dockerManifest,
  mediaTypes.dockerList,
];

export const isIndexType = (mediaType: string): boolean =>
  mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerList;

/** Layers that may live elsewhere (Windows base layers): a manifest may name them without the registry holding them. */
export const isNonDistributable = (mediaType: string): boolean =>
  mediaType.includes('.foreign.') || mediaType.includes('.nondistributable.');
