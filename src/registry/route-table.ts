import { BerthError } from '../lib/errors.js';

export type RegistryRoute =
  | { readonly kind: 'catalog' }
  | { readonly kind: 'uploads'; readonly name: string }
  | { readonly kind: 'upload'; readonly name: string; readonly id: string }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string }
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'referrers'; readonly name: string; readonly digest: string };

/** Repository names contain slashes, so routes are matched from the end of the path. */
const patterns: readonly [RegExp, (m: RegExpExecArray) => RegistryRoute][] = [
  [/^_catalog$/, () => ({ kind: 'catalog' })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] as string })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1] as string, id: m[2] as string })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1] as string, digest: m[2] as string })],
  [
    /^(.+)\/manifests\/([^/]+)$/,
    (m) => ({ kind: 'manifest', name: m[1] as string, reference: m[2] as string }),
  ],
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1] as string })],
  [
    /^(.+)\/referrers\/([^/]+)$/,
    (m) => ({ kind: 'referrers', name: m[1] as string, digest: m[2] as string }),
  ],
];

export const methodsOf: Readonly<Record<RegistryRoute['kind'], readonly string[]>> = {
  catalog: ['GET', 'HEAD'],
  uploads: ['POST'],
  upload: ['GET', 'PATCH', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  tags: ['GET', 'HEAD'],
  referrers: ['GET', 'HEAD'],
};

/** Matches the path below /v2/ and the method; throws ENDPOINT_UNKNOWN or METHOD_UNKNOWN. */
export function matchRoute(path: string, method: string): RegistryRoute {
  for (const [pattern, build] of patterns) {
    const match = pattern.exec(path);
    if (!match) continue;
    const route = build(match);
    if (!methodsOf[route.kind].includes(method)) {
      throw new BerthError('METHOD_UNKNOWN', `${method} is not supported on /v2/${path.slice(0, 200)}`);
    }
    return route;
  }
  throw new BerthError('ENDPOINT_UNKNOWN', `no such endpoint: /v2/${path.slice(0, 200)}`);
}
