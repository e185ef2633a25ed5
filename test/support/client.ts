import { createHash } from 'node:crypto';

export const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
export const ociIndex = 'application/vnd.oci.image.index.v1+json';
export const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
export const dockerList = 'application/vnd.docker.distribution.manifest.list.v2+json';

export const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
export const sha512 = (data: Buffer | string) => `sha512:${createHash('sha512').update(data).digest('hex')}`;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  [key: string]: unknown;
}

/** A tiny OCI Distribution client over fetch, for tests. */
export class RegistryClient {
  /** authorization: an Authorization header sent with every request that brings none of its own. */
  constructor(
    readonly base: string,
    private readonly authorization?: string,
  ) {}

  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.authorization && !headers.has('authorization')) headers.set('authorization', this.authorization);
    return fetch(`${this.base}${path}`, { redirect: 'manual', ...init, headers });
  }

  async pushBlob(
    repo: string,
    data: Buffer | string,
    mediaType = 'application/octet-stream',
  ): Promise<Descriptor> {
    const body = Buffer.from(data);
    const digest = sha256(body);
    const res = await this.request(`/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (res.status !== 201) throw new Error(`blob push failed: ${res.status} ${await res.text()}`);
    return { mediaType, digest, size: body.length };
  }

  async pushManifest(
    repo: string,
    reference: string,
    manifest: object,
    mediaType = ociManifest,
  ): Promise<Response> {
    return this.request(`/v2/${repo}/manifests/${reference}`, {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { 'Content-Type': mediaType },
    });
  }

  /** Pushes a config and layers, then an image manifest; returns the manifest's descriptor. */
  async pushImage(
    repo: string,
    tag: string,
    options: { layers?: (string | Buffer)[]; config?: object; mediaType?: string; extra?: object } = {},
  ): Promise<Descriptor & { body: string }> {
    const mediaType = options.mediaType ?? ociManifest;
    const docker = mediaType === dockerManifest;
    const config = await this.pushBlob(
      repo,
      JSON.stringify(
        options.config ?? { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
      ),
      docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
    );
    const layers = [];
    for (const content of options.layers ?? ['layer one']) {
      layers.push(
        await this.pushBlob(
          repo,
          content,
          docker
            ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
            : 'application/vnd.oci.image.layer.v1.tar+gzip',
        ),
      );
    }
    const manifest = { schemaVersion: 2, mediaType, config, layers, ...options.extra };
    const body = JSON.stringify(manifest);
    const res = await this.request(`/v2/${repo}/manifests/${tag}`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': mediaType },
    });
    if (res.status !== 201) throw new Error(`manifest push failed: ${res.status} ${await res.text()}`);
    return { mediaType, digest: sha256(body), size: Buffer.byteLength(body), body };
  }
}

export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}
