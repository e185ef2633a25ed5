/**
 * A port of the OCI Distribution Spec conformance suite (github.com/opencontainers/distribution-spec,
 * conformance/), the Ginkgo suite whose results back an "OCI Distribution v1.1 conformant" claim.
 *
 * Followed: the last Ginkgo-based state of upstream `main` before the suite was redesigned (the
 * tree carrying the `// Copyright {yyyy} {name of copyright owner}` headers, commit 15239c42 as
 * mirrored in Silvanoc/distribution-spec): 00_conformance_suite_test.go, 01_pull_test.go,
 * 02_push_test.go, 03_discovery_test.go, 04_management_test.go, setup.go, image.go. It is v1.1.0's
 * suite (upstream commits 47008ca, 11b8e3f, b5f09eb, 3c7a4ac) plus what main added afterwards: the
 * tag list must be sorted (lexically or asciibetically), `last` must exclude the tag it names, the
 * second chunk's `Range` is checked, the tag count after a tag deletion must drop by exactly one,
 * and teardown blob deletes may answer 404. The numbered files 01_base_api_route … 09_blob_delete,
 * 05_referrers.go, pull_test.go and push_test.go are older, abandoned layouts (Ginkgo v1, 2020–2022)
 * that the four workflows replaced; the newest tree (main.go, run.go, api.go …) is a different
 * program with no `It`s.
 *
 * Run as a full run would be configured: OCI_TEST_PULL, OCI_TEST_PUSH, OCI_TEST_CONTENT_DISCOVERY
 * and OCI_TEST_CONTENT_MANAGEMENT on; OCI_DELETE_MANIFEST_BEFORE_BLOBS unset (the suite's default,
 * true: teardowns delete manifests first); OCI_CROSSMOUNT_NAMESPACE in a second project;
 * OCI_AUTOMATIC_CROSSMOUNT=0 (Berth does not mount without `from`); no OCI_TAG_NAME, OCI_BLOB_DIGEST,
 * OCI_MANIFEST_DIGEST or OCI_TAG_LIST, so every setup runs. The client sends the administrator's
 * Basic credentials on every request, as reggie does with OCI_USERNAME/OCI_PASSWORD.
 *
 * Each `it` carries the suite's `Specify` text and the suite's assertions. Specs the suite skips in
 * this configuration are not ported: "Get tag name from environment" and "Populate registry with
 * test tags (no push)" (only without setup) and "Cross-mounting without from, and automatic content
 * discovery enabled should return a 201" (only with OCI_AUTOMATIC_CROSSMOUNT=1). Two cross-mount
 * specs depend on the previous answer (`RunOnlyIf(lastResponse.StatusCode() == …)`); they assert
 * only when that condition holds, as the suite does.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { adminAuthorization } from '../support/server.js';

// ---------------------------------------------------------------------------------------------
// setup.go: the suite's data
// ---------------------------------------------------------------------------------------------

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';

/** Go's json.MarshalIndent(v, "", "\t"): the same bytes for these documents (no HTML characters). */
const marshalIndent = (value: unknown) => Buffer.from(JSON.stringify(value, null, '\t'));
/** Go marshals []byte as base64 and a nil []byte as null. */
const goBytes = (data: Buffer | undefined) => (data === undefined ? null : data.toString('base64'));

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  data?: Buffer;
  artifactType?: string;
  newUnspecifiedField?: Buffer;
}

/** image.go `descriptor`, fields in struct order; `newUnspecifiedField` has no omitempty. */
function descriptor(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.annotations ? { annotations: d.annotations } : {}),
    ...(d.data ? { data: goBytes(d.data) } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    newUnspecifiedField: goBytes(d.newUnspecifiedField),
  };
}

/** image.go `manifest`, fields in struct order. */
function manifest(m: {
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}): Buffer {
  return marshalIndent({
    schemaVersion: 2,
    ...(m.mediaType ? { mediaType: m.mediaType } : {}),
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    config: descriptor(m.config),
    layers: m.layers.map(descriptor),
    ...(m.subject ? { subject: descriptor(m.subject) } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  });
}

interface TestBlob {
  content: Buffer;
  contentLength: string;
  digest: string;
}

const testBlob = (content: Buffer): TestBlob => ({
  content,
  contentLength: String(content.length),
  digest: sha256(content),
});

function randomString(n: number): string {
  const letters = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-';
  return Array.from({ length: n }, () => letters[randomInt(letters.length)]).join('');
}

// `numWorkflows` follows `pull = 1 << iota … contentManagement` in the same const block: 1 << 4.
const numWorkflows = 16;
const errorCodes = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'MANIFEST_UNVERIFIED',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'TAG_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
];
const emptyLayerTestTag = 'emptylayer';
const testTagName = 'tagtest0';
const artifactTypeFilter = 'artifactType';
const layerBase64String =
  'H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0' +
  'WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD' +
  'jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA';

// OCI_NAMESPACE and OCI_CROSSMOUNT_NAMESPACE (the suite's default is conformance-<uuid>); Berth
// needs each repository's project to exist, so both live in projects created first.
const crossmountProject = `conformance-${randomUUID()}`;
const namespace = 'conformance/distribution-test';
const crossmountNamespace = `${crossmountProject}/other`;

// A unique config for each workflow category (a random author makes each digest unique).
const configs: TestBlob[] = [];
for (let i = 0; i < numWorkflows; i++) {
  configs.push(
    testBlob(
      marshalIndent({
        author: randomString(16),
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    ),
  );
}

const layerBlobData = Buffer.from(layerBase64String, 'base64');
const layerBlobDigest = sha256(layerBlobData);
const layerBlobContentLength = String(layerBlobData.length);
const layers: Descriptor[] = [
  {
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    size: layerBlobData.length,
    digest: layerBlobDigest,
  },
];

// A unique manifest for each workflow category.
const manifests: TestBlob[] = configs.map((config) =>
  testBlob(
    manifest({
      mediaType: ociManifest,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.content.length,
        data: config.content,
        newUnspecifiedField: Buffer.from('hello world'),
      },
      layers,
    }),
  ),
);

// Used in the push test: no mediaType, no layers.
const emptyLayerManifestContent = manifest({
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: configs[1].digest,
    size: configs[1].content.length,
    data: configs[1].content,
    newUnspecifiedField: Buffer.from('hello world'),
  },
  layers: [],
});
const emptyLayerManifestDigest = sha256(emptyLayerManifestContent);

const nonexistentManifest = '.INVALID_MANIFEST_NAME';
const invalidManifestContent = Buffer.from('blablabla');

const testBlobA = randomBytes(42);
const testBlobADigest = sha256(testBlobA);

let testBlobB: Buffer;
let testBlobBDigest: string;
let testBlobBChunk1: Buffer;
let testBlobBChunk1Range: string;
let testBlobBChunk2: Buffer;
let testBlobBChunk2Range: string;
function setupChunkedBlob(size: number): void {
  testBlobB = randomBytes(size);
  testBlobBDigest = sha256(testBlobB);
  const split = Math.floor(size / 2) + 1;
  testBlobBChunk1 = testBlobB.subarray(0, split);
  testBlobBChunk1Range = `0-${testBlobBChunk1.length - 1}`;
  testBlobBChunk2 = testBlobB.subarray(split);
  testBlobBChunk2Range = `${testBlobBChunk1.length}-${testBlobB.length - 1}`;
}
setupChunkedBlob(42);

// Used in the referrers test (artifacts with the subject field set).
const emptyJSONBlob = Buffer.from('{}');
const emptyJSONDescriptor: Descriptor = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  size: emptyJSONBlob.length,
  digest: sha256(emptyJSONBlob),
};

const testRefBlobA = Buffer.from('NHL Peanut Butter on my NHL bagel');
const testRefBlobALength = String(testRefBlobA.length);
const testRefBlobADigest = sha256(testRefBlobA);
const testRefArtifactTypeA = 'application/vnd.nhl.peanut.butter.bagel';

const testRefBlobB = Buffer.from('NBA Strawberry Jam on my NBA croissant');
const testRefBlobBLength = String(testRefBlobB.length);
const testRefBlobBDigest = sha256(testRefBlobB);
const testRefArtifactTypeB = 'application/vnd.nba.strawberry.jam.croissant';

const testAnnotationKey = 'org.opencontainers.conformance.test';
const testAnnotationValues: Record<string, string> = {};

const subjectOf = (m: TestBlob): Descriptor => ({
  mediaType: ociManifest,
  size: m.content.length,
  digest: m.digest,
});

function referrer(content: Buffer, annotation?: string): { content: Buffer; digest: string } {
  const digest = sha256(content);
  if (annotation !== undefined) testAnnotationValues[digest] = annotation;
  return { content, digest };
}

// Artifact with a subject, config.mediaType = artifactType.
const refsManifestAConfigArtifact = referrer(
  manifest({
    mediaType: ociManifest,
    config: { mediaType: testRefArtifactTypeA, size: testRefBlobA.length, digest: testRefBlobADigest },
    subject: subjectOf(manifests[4]),
    layers: [emptyJSONDescriptor],
    annotations: { [testAnnotationKey]: 'test config a' },
  }),
  'test config a',
);
const refsManifestBConfigArtifact = referrer(
  manifest({
    mediaType: ociManifest,
    config: { mediaType: testRefArtifactTypeB, size: testRefBlobB.length, digest: testRefBlobBDigest },
    subject: subjectOf(manifests[4]),
    layers: [emptyJSONDescriptor],
    annotations: { [testAnnotationKey]: 'test config b' },
  }),
  'test config b',
);
// Artifact with a subject and artifactType, config.mediaType = empty JSON.
const refsManifestALayerArtifact = referrer(
  manifest({
    mediaType: ociManifest,
    artifactType: testRefArtifactTypeA,
    config: emptyJSONDescriptor,
    subject: subjectOf(manifests[4]),
    layers: [{ mediaType: testRefArtifactTypeA, size: testRefBlobA.length, digest: testRefBlobADigest }],
    annotations: { [testAnnotationKey]: 'test layer a' },
  }),
  'test layer a',
);
const refsManifestBLayerArtifact = referrer(
  manifest({
    mediaType: ociManifest,
    artifactType: testRefArtifactTypeB,
    config: emptyJSONDescriptor,
    subject: subjectOf(manifests[4]),
    layers: [{ mediaType: testRefArtifactTypeB, size: testRefBlobB.length, digest: testRefBlobBDigest }],
    annotations: { [testAnnotationKey]: 'test layer b' },
  }),
  'test layer b',
);
// The same as B, but its subject (manifests[3]) has not been pushed.
const refsManifestCLayerArtifact = referrer(
  manifest({
    mediaType: ociManifest,
    artifactType: testRefArtifactTypeB,
    config: emptyJSONDescriptor,
    subject: subjectOf(manifests[3]),
    layers: [{ mediaType: testRefArtifactTypeB, size: testRefBlobB.length, digest: testRefBlobBDigest }],
  }),
);
const testRefArtifactTypeIndex = 'application/vnd.food.stand';
const refsIndexArtifact = referrer(
  marshalIndent({
    schemaVersion: 2,
    mediaType: ociIndex,
    artifactType: testRefArtifactTypeIndex,
    manifests: [
      descriptor({
        mediaType: ociManifest,
        size: refsManifestAConfigArtifact.content.length,
        digest: refsManifestAConfigArtifact.digest,
      }),
      descriptor({
        mediaType: ociManifest,
        size: refsManifestALayerArtifact.content.length,
        digest: refsManifestALayerArtifact.digest,
      }),
    ],
    subject: descriptor(subjectOf(manifests[4])),
    annotations: { [testAnnotationKey]: 'test index' },
  }),
  'test index',
);

const dummyDigest = sha256('hello world');

// ---------------------------------------------------------------------------------------------
// The client (reggie's role)
// ---------------------------------------------------------------------------------------------

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** reggie's GetRelativeLocation: the Location header without scheme and host. */
  readonly location: string;
}

interface RequestOptions {
  /** replaces `<name>` (reggie.WithName); the default name otherwise. */
  name?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
}

const inRange = (status: number) => status >= 200 && status < 300;

/** A tag list's tags, or [] when the body is not one (setup.go getTagList). */
function getTagList(reply: Reply): string[] {
  try {
    return ((JSON.parse(reply.text) as { tags?: string[] | null }).tags ?? []) as string[];
  } catch {
    return [];
  }
}

/** reggie's resp.Errors(): the body's errors; fails like Expect(err).To(BeNil()) when it is no JSON. */
function errorsOf(reply: Reply): { code: string; message?: string }[] {
  const body = JSON.parse(reply.text) as { errors?: { code: string; message?: string }[] | null };
  return body.errors ?? [];
}

interface IndexBody {
  manifests?: { digest: string; annotations?: Record<string, string> }[] | null;
}

describe('OCI Distribution Conformance Tests', () => {
  const b = useBackend('sqlite', 'filesystem', {}, ['conformance', crossmountProject]);

  function target(path: string, options: RequestOptions): string {
    const url = new URL(
      (path || '/').replace('<name>', options.name ?? namespace),
      'http://registry.invalid',
    );
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.append(key, value);
    return `${url.pathname}${url.search}`;
  }

  function reply(status: number, headers: Headers, text: string): Reply {
    const location = headers.get('location') ?? '';
    const relative = location === '' ? '' : new URL(location, 'http://registry.invalid');
    return {
      status,
      headers,
      text,
      location: relative === '' ? '' : `${relative.pathname}${relative.search}`,
    };
  }

  /** One request with the admin's credentials, as reggie sends OCI_USERNAME/OCI_PASSWORD. */
  async function send(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const res = await b.client.request(target(path, options), {
      method,
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    return reply(res.status, res.headers, method === 'HEAD' ? '' : await res.text());
  }

  /** A request fetch cannot make (a GET with a body), over node:http. */
  function sendRaw(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const url = new URL(target(path, options), b.server.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method,
          headers: {
            Authorization: adminAuthorization,
            ...(options.headers ?? {}),
            ...(options.body ? { 'Content-Length': String(options.body.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const headers = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
            }
            resolve(reply(res.statusCode ?? 0, headers, Buffer.concat(chunks).toString()));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** POST an upload, then PUT the blob to its location with the digest: the setups' blob push. */
  async function populateBlob(content: Buffer, digest: string, length: string): Promise<Reply> {
    const post = await send('POST', '/v2/<name>/blobs/uploads/');
    return send('PUT', post.location, {
      query: { digest },
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': length },
      body: content,
    });
  }

  const putManifest = (reference: string, content: Buffer, mediaType = ociManifest) =>
    send('PUT', `/v2/<name>/manifests/${reference}`, {
      headers: { 'Content-Type': mediaType },
      body: content,
    });

  /** SatisfyAny(SatisfyAll(>=200, <300), Equal(alternatives...)) */
  const expectSuccessOr = (status: number, ...alternatives: number[]) =>
    expect(inRange(status) || alternatives.includes(status), `status ${status}`).toBe(true);

  // -------------------------------------------------------------------------------------------
  // 01_pull_test.go
  // -------------------------------------------------------------------------------------------
  describe('Pull', () => {
    let tag = '';

    describe('Setup', () => {
      // biome-ignore lint/suspicious/noIdenticalTestTitle: the suite's own Specify text, used twice
      it('Populate registry with test blob', async () => {
        const res = await populateBlob(configs[0].content, configs[0].digest, configs[0].contentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      it('Populate registry with test blob', async () => {
        const res = await populateBlob(configs[1].content, configs[1].digest, configs[1].contentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      it('Populate registry with test layer', async () => {
        const res = await populateBlob(layerBlobData, layerBlobDigest, layerBlobContentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      // biome-ignore lint/suspicious/noIdenticalTestTitle: the suite's own Specify text, used twice
      it('Populate registry with test manifest', async () => {
        tag = testTagName;
        const res = await putManifest(tag, manifests[0].content);
        expect(inRange(res.status), `status ${res.status} ${res.text}`).toBe(true);
      });

      it('Populate registry with test manifest', async () => {
        const res = await putManifest(manifests[1].digest, manifests[1].content);
        expect(inRange(res.status), `status ${res.status} ${res.text}`).toBe(true);
      });
    });

    describe('Pull blobs', () => {
      it('HEAD request to nonexistent blob should result in 404 response', async () => {
        const res = await send('HEAD', `/v2/<name>/blobs/${dummyDigest}`);
        expect(res.status).toBe(404);
      });

      it('HEAD request to existing blob should yield 200', async () => {
        const res = await send('HEAD', `/v2/<name>/blobs/${configs[0].digest}`);
        expect(res.status).toBe(200);
        const h = res.headers.get('docker-content-digest');
        if (h) expect(h).toBe(configs[0].digest);
      });

      it('GET nonexistent blob should result in 404 response', async () => {
        const res = await send('GET', `/v2/<name>/blobs/${dummyDigest}`);
        expect(res.status).toBe(404);
      });

      it('GET request to existing blob URL should yield 200', async () => {
        const res = await send('GET', `/v2/<name>/blobs/${configs[0].digest}`);
        expect(res.status).toBe(200);
      });
    });

    describe('Pull manifests', () => {
      it('HEAD request to nonexistent manifest should return 404', async () => {
        const res = await send('HEAD', `/v2/<name>/manifests/${nonexistentManifest}`);
        expect(res.status, res.text).toBe(404);
      });

      it('HEAD request to manifest[0] path (digest) should yield 200 response', async () => {
        const res = await send('HEAD', `/v2/<name>/manifests/${manifests[0].digest}`, {
          headers: { Accept: ociManifest },
        });
        expect(res.status).toBe(200);
        const h = res.headers.get('docker-content-digest');
        if (h) expect(h).toBe(manifests[0].digest);
      });

      it('HEAD request to manifest[1] path (digest) should yield 200 response', async () => {
        const res = await send('HEAD', `/v2/<name>/manifests/${manifests[1].digest}`, {
          headers: { Accept: ociManifest },
        });
        expect(res.status).toBe(200);
        const h = res.headers.get('docker-content-digest');
        if (h) expect(h).toBe(manifests[1].digest);
      });

      it('HEAD request to manifest path (tag) should yield 200 response', async () => {
        expect(tag).not.toBe('');
        const res = await send('HEAD', `/v2/<name>/manifests/${tag}`, { headers: { Accept: ociManifest } });
        expect(res.status).toBe(200);
        const h = res.headers.get('docker-content-digest');
        if (h) expect(h).toBe(manifests[0].digest);
      });

      it('GET nonexistent manifest should return 404', async () => {
        const res = await send('GET', `/v2/<name>/manifests/${nonexistentManifest}`);
        expect(res.status, res.text).toBe(404);
      });

      it('GET request to manifest[0] path (digest) should yield 200 response', async () => {
        const res = await send('GET', `/v2/<name>/manifests/${manifests[0].digest}`, {
          headers: { Accept: ociManifest },
        });
        expect(res.status).toBe(200);
      });

      it('GET request to manifest[1] path (digest) should yield 200 response', async () => {
        const res = await send('GET', `/v2/<name>/manifests/${manifests[1].digest}`, {
          headers: { Accept: ociManifest },
        });
        expect(res.status).toBe(200);
      });

      it('GET request to manifest path (tag) should yield 200 response', async () => {
        expect(tag).not.toBe('');
        const res = await send('GET', `/v2/<name>/manifests/${tag}`, { headers: { Accept: ociManifest } });
        expect(res.status).toBe(200);
      });
    });

    describe('Error codes', () => {
      it('400 response body should contain OCI-conforming JSON message', async () => {
        // The suite sends this GET with a body, which fetch refuses to do.
        const res = await sendRaw('GET', '/v2/<name>/manifests/sha256:totallywrong', {
          headers: { 'Content-Type': ociManifest },
          body: invalidManifestContent,
        });
        expect([400, 404]).toContain(res.status);
        if (res.status === 400) {
          const errors = errorsOf(res);
          expect(errors).not.toHaveLength(0);
          expect(errorCodes).toContain(errors[0].code);
        }
      });
    });

    describe('Teardown', () => {
      it('Delete manifest[0] created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/manifests/${manifests[0].digest}`);
        expectSuccessOr(res.status, 405);
      });

      it('Delete manifest[1] created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/manifests/${manifests[1].digest}`);
        expectSuccessOr(res.status, 405);
      });

      it('Delete config[0] blob created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${configs[0].digest}`);
        expectSuccessOr(res.status, 404, 405);
      });

      it('Delete config[1] blob created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${configs[1].digest}`);
        expectSuccessOr(res.status, 404, 405);
      });

      it('Delete layer blob created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${layerBlobDigest}`);
        expectSuccessOr(res.status, 404, 405);
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  // 02_push_test.go
  // -------------------------------------------------------------------------------------------
  describe('Push', () => {
    let lastResponse: Reply | undefined;
    let prevResponse: Reply | undefined;
    let emptyLayerManifestRef = '';

    // Setup: no setup required at this time for push tests.

    describe('Blob Upload Streamed', () => {
      it('PATCH request with blob in body should yield 202 response', async () => {
        const post = await send('POST', '/v2/<name>/blobs/uploads/');
        expect(post.headers.get('location') ?? '').not.toBe('');
        const res = await send('PATCH', post.location, {
          headers: { 'Content-Type': 'application/octet-stream' },
          body: testBlobA,
        });
        expect(res.status).toBe(202);
        lastResponse = res;
      });

      it('PUT request to session URL with digest should yield 201 response', async () => {
        expect(lastResponse).toBeDefined();
        // The suite sets Content-Length to the blob's length but sends no body; Go puts 0 on the wire.
        const res = await send('PUT', lastResponse?.location ?? '', {
          query: { digest: testBlobADigest },
          headers: { 'Content-Type': 'application/octet-stream' },
        });
        expect(res.status).toBe(201);
        expect(res.headers.get('location') ?? '').not.toBe('');
      });
    });

    describe('Blob Upload Monolithic', () => {
      it('GET nonexistent blob should result in 404 response', async () => {
        const res = await send('GET', `/v2/<name>/blobs/${dummyDigest}`);
        expect(res.status).toBe(404);
      });

      it('POST request with digest and blob should yield a 201 or 202', async () => {
        const res = await send('POST', '/v2/<name>/blobs/uploads/', {
          query: { digest: configs[1].digest },
          headers: { 'Content-Length': configs[1].contentLength, 'Content-Type': 'application/octet-stream' },
          body: configs[1].content,
        });
        expect(res.headers.get('location') ?? '').not.toBe('');
        expect([201, 202]).toContain(res.status);
        lastResponse = res;
      });

      it('GET request to blob URL from prior request should yield 200 or 404 based on response code', async () => {
        expect(lastResponse).toBeDefined();
        const res = await send('GET', `/v2/<name>/blobs/${configs[1].digest}`);
        if (lastResponse?.status === 202) expect(res.status).toBe(404);
        else expect(res.status).toBe(200);
      });

      it('POST request should yield a session ID', async () => {
        const res = await send('POST', '/v2/<name>/blobs/uploads/');
        expect(res.status).toBe(202);
        lastResponse = res;
      });

      it('PUT upload of a blob should yield a 201 Response', async () => {
        const res = await send('PUT', lastResponse?.location ?? '', {
          query: { digest: configs[1].digest },
          headers: { 'Content-Length': configs[1].contentLength, 'Content-Type': 'application/octet-stream' },
          body: configs[1].content,
        });
        expect(res.headers.get('location') ?? '').not.toBe('');
        expect(res.status).toBe(201);
      });

      it('GET request to existing blob should yield 200 response', async () => {
        const res = await send('GET', `/v2/<name>/blobs/${configs[1].digest}`);
        expect(res.status).toBe(200);
      });

      it('PUT upload of a layer blob should yield a 201 Response', async () => {
        const post = await send('POST', '/v2/<name>/blobs/uploads/');
        const res = await send('PUT', post.location, {
          query: { digest: layerBlobDigest },
          headers: { 'Content-Length': layerBlobContentLength, 'Content-Type': 'application/octet-stream' },
          body: layerBlobData,
        });
        expect(res.headers.get('location') ?? '').not.toBe('');
        expect(res.status).toBe(201);
      });

      it('GET request to existing layer should yield 200 response', async () => {
        const res = await send('GET', `/v2/<name>/blobs/${layerBlobDigest}`);
        expect(res.status).toBe(200);
      });
    });

    describe('Blob Upload Chunked', () => {
      it('Out-of-order blob upload should return 416', async () => {
        const post = await send('POST', '/v2/<name>/blobs/uploads/', { headers: { 'Content-Length': '0' } });
        expect(post.headers.get('location') ?? '').not.toBe('');
        // Rebuild the chunked blob if the minimum chunk size is above our chunk size.
        const minSizeStr = post.headers.get('oci-chunk-min-length') ?? '';
        if (minSizeStr !== '') {
          const minSize = Number.parseInt(minSizeStr, 10);
          expect(Number.isNaN(minSize)).toBe(false);
          if (minSize > testBlobBChunk1.length) setupChunkedBlob(minSize * 2 - 2);
        }
        const res = await send('PATCH', post.location, {
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Length': String(testBlobBChunk2.length),
            'Content-Range': testBlobBChunk2Range,
          },
          body: testBlobBChunk2,
        });
        expect(res.status).toBe(416);
      });

      it('PATCH request with first chunk should return 202', async () => {
        const post = await send('POST', '/v2/<name>/blobs/uploads/', { headers: { 'Content-Length': '0' } });
        expect(post.headers.get('location') ?? '').not.toBe('');
        prevResponse = post;
        const res = await send('PATCH', post.location, {
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Length': String(testBlobBChunk1.length),
            'Content-Range': testBlobBChunk1Range,
          },
          body: testBlobBChunk1,
        });
        expect(res.status).toBe(202);
        expect(res.headers.get('range')).toBe(testBlobBChunk1Range);
        lastResponse = res;
      });

      it('Retry previous blob chunk should return 416', async () => {
        const res = await send('PATCH', prevResponse?.location ?? '', {
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Length': String(testBlobBChunk1.length),
            'Content-Range': testBlobBChunk1Range,
          },
          body: testBlobBChunk1,
        });
        expect(res.status).toBe(416);
      });

      it('Get on stale blob upload should return 204 with a range and location', async () => {
        const res = await send('GET', prevResponse?.location ?? '');
        expect(res.status).toBe(204);
        expect(res.headers.get('location') ?? '').not.toBe('');
        expect(res.headers.get('range')).toBe(testBlobBChunk1Range);
        lastResponse = res;
      });

      it('PATCH request with second chunk should return 202', async () => {
        const res = await send('PATCH', lastResponse?.location ?? '', {
          headers: {
            'Content-Length': String(testBlobBChunk2.length),
            'Content-Range': testBlobBChunk2Range,
            'Content-Type': 'application/octet-stream',
          },
          body: testBlobBChunk2,
        });
        expect(res.status).toBe(202);
        expect(res.headers.get('range')).toBe(`0-${testBlobB.length - 1}`);
        expect(res.headers.get('location') ?? '').not.toBe('');
        lastResponse = res;
      });

      it('PUT request with digest should return 201', async () => {
        const res = await send('PUT', lastResponse?.location ?? '', {
          query: { digest: testBlobBDigest },
          headers: { 'Content-Length': '0', 'Content-Type': 'application/octet-stream' },
        });
        expect(res.status).toBe(201);
        expect(res.headers.get('location') ?? '').not.toBe('');
      });
    });

    describe('Cross-Repository Blob Mount', () => {
      it('Cross-mounting of a blob without the from argument should yield session id', async () => {
        const res = await send('POST', '/v2/<name>/blobs/uploads/', {
          name: crossmountNamespace,
          query: { mount: dummyDigest },
        });
        expect(res.status).toBe(202);
        expect(res.headers.get('location') ?? '').not.toBe('');
      });

      it("POST request to mount another repository's blob should return 201 or 202", async () => {
        const res = await send('POST', '/v2/<name>/blobs/uploads/', {
          name: crossmountNamespace,
          query: { mount: testBlobADigest, from: namespace },
        });
        expect([201, 202]).toContain(res.status);
        lastResponse = res;
      });

      it('GET request to test digest within cross-mount namespace should return 200', async () => {
        // RunOnlyIf(lastResponse.StatusCode() == http.StatusCreated)
        if (lastResponse?.status !== 201) return;
        expect(lastResponse.location).toBe(`/v2/${crossmountNamespace}/blobs/${testBlobADigest}`);
        const res = await send('GET', lastResponse.location);
        expect(res.status).toBe(200);
      });

      it('Cross-mounting of nonexistent blob should yield session id', () => {
        // RunOnlyIf(lastResponse.StatusCode() == http.StatusAccepted)
        if (lastResponse?.status !== 202) return;
        expect(lastResponse.location.startsWith(`/v2/${crossmountNamespace}/blobs/uploads/`)).toBe(true);
      });

      it('Cross-mounting without from, and automatic content discovery disabled should return a 202', async () => {
        // OCI_AUTOMATIC_CROSSMOUNT=0; RunOnlyIf(lastResponse.StatusCode() == http.StatusCreated)
        if (lastResponse?.status !== 201) return;
        const res = await send('POST', '/v2/<name>/blobs/uploads/', {
          name: crossmountNamespace,
          query: { mount: testBlobADigest },
        });
        expect(res.status).toBe(202);
      });
    });

    describe('Manifest Upload', () => {
      it('GET nonexistent manifest should return 404', async () => {
        const res = await send('GET', `/v2/<name>/manifests/${nonexistentManifest}`);
        expect(res.status, res.text).toBe(404);
      });

      it('PUT should accept a manifest upload', async () => {
        for (let i = 0; i < 4; i++) {
          const res = await putManifest(`test${i}`, manifests[1].content);
          expect(res.headers.get('location') ?? '', `test${i}: ${res.status} ${res.text}`).not.toBe('');
          expect(res.status).toBe(201);
        }
      });

      it('Registry should accept a manifest upload with no layers', async () => {
        const res = await putManifest(emptyLayerTestTag, emptyLayerManifestContent);
        if (res.status === 201) {
          const location = res.headers.get('location') ?? '';
          emptyLayerManifestRef = location;
          expect(location).not.toBe('');
          expect(res.status).toBe(201);
        } else {
          console.warn(`WARNING: image manifest with no layers is not supported (${res.status} ${res.text})`);
        }
      });

      it('GET request to manifest URL (digest) should yield 200 response', async () => {
        const res = await send('GET', `/v2/<name>/manifests/${manifests[1].digest}`, {
          headers: { Accept: ociManifest },
        });
        expect(res.status).toBe(200);
      });
    });

    describe('Teardown', () => {
      it('Delete manifest created in tests', async () => {
        const res = await send('DELETE', `/v2/<name>/manifests/${manifests[1].digest}`);
        expectSuccessOr(res.status, 405);
        if (emptyLayerManifestRef !== '') {
          const empty = await send('DELETE', `/v2/<name>/manifests/${emptyLayerManifestDigest}`);
          expectSuccessOr(empty.status, 405);
        }
      });

      it('Delete config blob created in tests', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${configs[1].digest}`);
        expectSuccessOr(res.status, 404, 405);
      });

      it('Delete layer blob created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${layerBlobDigest}`);
        expectSuccessOr(res.status, 404, 405);
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  // 03_discovery_test.go
  // -------------------------------------------------------------------------------------------
  describe('Content Discovery', () => {
    let numTags = 4;
    let tagList: string[] = [];

    /** Each step of "References setup": a blob push that must succeed. */
    async function referencesBlob(content: Buffer, digest: string, length: string) {
      const res = await populateBlob(content, digest, length);
      expect(inRange(res.status), `blob ${digest}: ${res.status} ${res.text}`).toBe(true);
    }

    /** Each step of "References setup": a manifest push that must succeed and name its subject. */
    async function referencesManifest(
      reference: string,
      content: Buffer,
      subject: string,
      mediaType = ociManifest,
    ) {
      const res = await putManifest(reference, content, mediaType);
      expect(inRange(res.status), `manifest ${reference}: ${res.status} ${res.text}`).toBe(true);
      expect(res.headers.get('oci-subject') ?? '', `OCI-Subject of ${reference}`).toBe(subject);
    }

    describe('Setup', () => {
      it('Populate registry with test blob', async () => {
        const res = await populateBlob(configs[2].content, configs[2].digest, configs[2].contentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      it('Populate registry with test layer', async () => {
        const res = await populateBlob(layerBlobData, layerBlobDigest, layerBlobContentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      it('Populate registry with test tags', async () => {
        for (let i = 0; i < numTags; i++) {
          for (const tag of [`test${i}`, `TEST${i}`]) {
            tagList.push(tag);
            const res = await putManifest(tag, manifests[2].content);
            expect(inRange(res.status), `${tag}: ${res.status} ${res.text}`).toBe(true);
          }
        }
        tagList = getTagList(await send('GET', '/v2/<name>/tags/list'));
      });

      it('References setup', async () => {
        // Populate registry with empty JSON blob; validate the expected empty JSON blob digest.
        expect(emptyJSONDescriptor.digest).toBe(
          'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        );
        await referencesBlob(emptyJSONBlob, emptyJSONDescriptor.digest, String(emptyJSONDescriptor.size));
        // Populate registry with reference blob before the image manifest is pushed.
        await referencesBlob(testRefBlobA, testRefBlobADigest, testRefBlobALength);
        // Populate registry with test references manifest (config.MediaType = artifactType).
        await referencesManifest(
          refsManifestAConfigArtifact.digest,
          refsManifestAConfigArtifact.content,
          manifests[4].digest,
        );
        // Populate registry with test references manifest (ArtifactType, config.MediaType = emptyJSON).
        await referencesManifest(
          refsManifestALayerArtifact.digest,
          refsManifestALayerArtifact.content,
          manifests[4].digest,
        );
        // Populate registry with test index manifest.
        await referencesManifest(
          refsIndexArtifact.digest,
          refsIndexArtifact.content,
          manifests[4].digest,
          ociIndex,
        );
        // Populate registry with test blob.
        await referencesBlob(configs[4].content, configs[4].digest, configs[4].contentLength);
        // Populate registry with test layer.
        await referencesBlob(layerBlobData, layerBlobDigest, layerBlobContentLength);
        // Populate registry with test manifest.
        const image = await putManifest(testTagName, manifests[4].content);
        expect(inRange(image.status), `manifest ${testTagName}: ${image.status} ${image.text}`).toBe(true);
        // Populate registry with reference blob after the image manifest is pushed.
        await referencesBlob(testRefBlobB, testRefBlobBDigest, testRefBlobBLength);
        // Populate registry with test references manifest (config.MediaType = artifactType).
        await referencesManifest(
          refsManifestBConfigArtifact.digest,
          refsManifestBConfigArtifact.content,
          manifests[4].digest,
        );
        // Populate registry with test references manifest (ArtifactType, config.MediaType = emptyJSON).
        await referencesManifest(
          refsManifestBLayerArtifact.digest,
          refsManifestBLayerArtifact.content,
          manifests[4].digest,
        );
        // Populate registry with test references manifest to a non-existent subject.
        await referencesManifest(
          refsManifestCLayerArtifact.digest,
          refsManifestCLayerArtifact.content,
          manifests[3].digest,
        );
      });
    });

    describe('Test content discovery endpoints (listing tags)', () => {
      it('GET request to list tags should yield 200 response and be in sorted order', async () => {
        const res = await send('GET', '/v2/<name>/tags/list');
        expect(res.status).toBe(200);
        tagList = getTagList(res);
        numTags = tagList.length;
        // If the list is not empty, the tags MUST be in lexical order (case-insensitive alphanumeric
        // order); historically registries have not been lexical, so sort.Strings order is valid too.
        const lexical = [...tagList].sort((x, y) => {
          const [a, c] = [x.toLowerCase(), y.toLowerCase()];
          return a < c ? -1 : a > c ? 1 : 0;
        });
        const asciibetical = [...tagList].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        expect([lexical, asciibetical]).toContainEqual(tagList);
      });

      it('GET number of tags should be limitable by `n` query parameter', async () => {
        const numResults = Math.trunc(numTags / 2);
        const res = await send('GET', '/v2/<name>/tags/list', { query: { n: String(numResults) } });
        expect(res.status).toBe(200);
        tagList = getTagList(res);
        expect(tagList).toHaveLength(numResults);
      });

      it('GET start of tag is set by `last` query parameter', async () => {
        const numResults = Math.trunc(numTags / 2);
        const first = await send('GET', '/v2/<name>/tags/list', { query: { n: String(numResults) } });
        expect(first.status).toBe(200);
        tagList = getTagList(first);
        const last = tagList[numResults - 1];
        const res = await send('GET', '/v2/<name>/tags/list', {
          query: { n: String(numResults), last: tagList[numResults - 1] },
        });
        expect(res.status).toBe(200);
        tagList = getTagList(res);
        expect(tagList.length).toBeLessThanOrEqual(numResults);
        expect(tagList).not.toContain(last);
      });
    });

    describe('Test content discovery endpoints (listing references)', () => {
      it('GET request to nonexistent blob should result in empty 200 response', async () => {
        const res = await send('GET', `/v2/<name>/referrers/${dummyDigest}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(ociIndex);
        const index = JSON.parse(res.text) as IndexBody;
        expect(index.manifests ?? []).toHaveLength(0);
      });

      it('GET request to existing blob should yield 200', async () => {
        const res = await send('GET', `/v2/<name>/referrers/${manifests[4].digest}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(ociIndex);
        const index = JSON.parse(res.text) as IndexBody;
        const found = index.manifests ?? [];
        expect(found).toHaveLength(5);
        expect(found[0].digest).not.toBe(found[1].digest);
        for (const entry of found) {
          expect(Object.keys(entry.annotations ?? {}), entry.digest).toHaveLength(1);
          expect(entry.annotations?.[testAnnotationKey], entry.digest).toBe(
            testAnnotationValues[entry.digest],
          );
        }
      });

      it('GET request to existing blob with filter should yield 200', async () => {
        const res = await send('GET', `/v2/<name>/referrers/${manifests[4].digest}`, {
          query: { artifactType: testRefArtifactTypeA },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(ociIndex);
        const index = JSON.parse(res.text) as IndexBody;
        const found = index.manifests ?? [];
        // Also check the header "OCI-Filters-Applied: artifactType" denoting that a filter was applied.
        if ((res.headers.get('oci-filters-applied') ?? '') !== '') {
          expect(found).toHaveLength(2);
          expect(res.headers.get('oci-filters-applied')).toBe(artifactTypeFilter);
        } else {
          expect(found).toHaveLength(5);
          console.warn('WARNING: filtering by artifact-type is not implemented');
        }
        for (const entry of found) {
          expect(Object.keys(entry.annotations ?? {}), entry.digest).toHaveLength(1);
          expect(entry.annotations?.[testAnnotationKey], entry.digest).toBe(
            testAnnotationValues[entry.digest],
          );
        }
      });

      it('GET request to missing manifest should yield 200', async () => {
        const res = await send('GET', `/v2/<name>/referrers/${manifests[3].digest}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(ociIndex);
        const index = JSON.parse(res.text) as IndexBody;
        const found = index.manifests ?? [];
        expect(found).toHaveLength(1);
        expect(found[0].digest).toBe(refsManifestCLayerArtifact.digest);
      });
    });

    describe('Teardown', () => {
      it('Delete created manifest & associated tags', async () => {
        const references = [
          refsIndexArtifact.digest,
          manifests[2].digest,
          manifests[4].digest,
          refsManifestAConfigArtifact.digest,
          refsManifestALayerArtifact.digest,
          refsManifestBConfigArtifact.digest,
          refsManifestBLayerArtifact.digest,
          refsManifestCLayerArtifact.digest,
        ];
        for (const ref of references) {
          const res = await send('DELETE', `/v2/<name>/manifests/${ref}`);
          expect(
            inRange(res.status) || [404, 405].includes(res.status),
            `${ref}: ${res.status} ${res.text}`,
          ).toBe(true);
        }
      });

      it('Delete config blob created in tests', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${configs[2].digest}`);
        expectSuccessOr(res.status, 404, 405);
      });

      it('Delete layer blob created in setup', async () => {
        const res = await send('DELETE', `/v2/<name>/blobs/${layerBlobDigest}`);
        expectSuccessOr(res.status, 404, 405);
      });

      it('References teardown', async () => {
        const deleteReq = async (path: string) => {
          const res = await send('DELETE', path);
          expect(
            inRange(res.status) || [404, 405].includes(res.status),
            `${path}: ${res.status} ${res.text}`,
          ).toBe(true);
        };
        // deleteManifestBeforeBlobs: the manifests first.
        for (const ref of [
          refsIndexArtifact.digest,
          refsManifestAConfigArtifact.digest,
          refsManifestALayerArtifact.digest,
          manifests[4].digest,
          refsManifestBConfigArtifact.digest,
          refsManifestBLayerArtifact.digest,
        ]) {
          await deleteReq(`/v2/<name>/manifests/${ref}`);
        }
        // Delete config blob created in setup.
        await deleteReq(`/v2/<name>/blobs/${configs[4].digest}`);
        // Delete reference blobs created in setup.
        await deleteReq(`/v2/<name>/blobs/${testRefBlobADigest}`);
        await deleteReq(`/v2/<name>/blobs/${testRefBlobBDigest}`);
        // Delete empty JSON blob created in setup.
        await deleteReq(`/v2/<name>/blobs/${emptyJSONDescriptor.digest}`);
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  // 04_management_test.go
  // -------------------------------------------------------------------------------------------
  describe('Content Management', () => {
    const defaultTagName = 'tagtest0';
    let tagToDelete = '';
    let numTags = 0;
    let blobDeleteAllowed = true;

    describe('Setup', () => {
      it('Populate registry with test config blob', async () => {
        const res = await populateBlob(configs[3].content, configs[3].digest, configs[3].contentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      it('Populate registry with test layer', async () => {
        const res = await populateBlob(layerBlobData, layerBlobDigest, layerBlobContentLength);
        expect(inRange(res.status), `status ${res.status}`).toBe(true);
      });

      it('Populate registry with test tag', async () => {
        tagToDelete = defaultTagName;
        const res = await putManifest(tagToDelete, manifests[3].content);
        expect(inRange(res.status), `status ${res.status} ${res.text}`).toBe(true);
      });

      it('Check how many tags there are before anything gets deleted', async () => {
        const res = await send('GET', '/v2/<name>/tags/list');
        expect(res.status).toBe(200);
        const tags = (JSON.parse(res.text) as { tags?: string[] | null }).tags ?? [];
        numTags = tags.length;
      });
    });

    describe('Manifest delete', () => {
      it('DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)', async () => {
        const res = await send('DELETE', `/v2/<name>/manifests/${tagToDelete}`);
        expect([400, 202, 405]).toContain(res.status);
        if (res.status === 400) {
          const errors = errorsOf(res);
          expect(errors).not.toHaveLength(0);
          expect(errors[0].code).toBe('UNSUPPORTED');
        }
      });

      it('DELETE request to manifest (digest) should yield 202 response unless already deleted', async () => {
        const res = await send('DELETE', `/v2/<name>/manifests/${manifests[3].digest}`);
        // In the case that the previous request was accepted, this may or may not fail (which is ok).
        expect([202, 404]).toContain(res.status);
      });

      it('GET request to deleted manifest URL should yield 404 response, unless delete is disallowed', async () => {
        const res = await send('GET', `/v2/<name>/manifests/${manifests[3].digest}`);
        expect([404, 200]).toContain(res.status);
      });

      it('GET request to tags list should reflect manifest deletion', async () => {
        const res = await send('GET', '/v2/<name>/tags/list');
        expect([404, 200]).toContain(res.status);
        const expectTags = numTags - 1;
        if (res.status === 200) {
          const tags = (JSON.parse(res.text) as { tags?: string[] | null }).tags ?? [];
          expect(tags).toHaveLength(expectTags);
        }
        if (res.status === 404) expect(expectTags).toBe(0);
      });
    });

    describe('Blob delete', () => {
      it('DELETE request to blob URL should yield 202 response', async () => {
        // config blob
        const config = await send('DELETE', `/v2/<name>/blobs/${configs[3].digest}`);
        expect([202, 404, 405]).toContain(config.status);
        // layer blob
        const layer = await send('DELETE', `/v2/<name>/blobs/${layerBlobDigest}`);
        expect([202, 404, 405]).toContain(layer.status);
        if (layer.status === 405) blobDeleteAllowed = false;
      });

      it('GET request to deleted blob URL should yield 404 response', async () => {
        // RunOnlyIf(blobDeleteAllowed): deletion is enabled, so this must hold.
        expect(blobDeleteAllowed).toBe(true);
        const res = await send('GET', `/v2/<name>/blobs/${configs[3].digest}`);
        expect(res.status).toBe(404);
      });
    });

    // Teardown: no teardown required at this time for content management tests.
  });
});
