import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorCode, sha256, sha512 } from '../support/client.js';
import { backends, useBackend } from '../support/matrix.js';

describe.each(backends)('blobs and uploads (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, {}, [
    'mono',
    'single',
    'chunks',
    'streamed',
    'verify',
    'x',
    'mine',
    'theirs',
    'cancel',
    'algos',
    'source',
    'target',
    'del',
    'race',
  ]);

  it('answers the base endpoint with the API version header', async () => {
    const res = await b.client.request('/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('takes a monolithic upload and serves it by HEAD, GET and ranges', async () => {
    const data = randomBytes(300_000);
    const digest = sha256(data);
    const res = await b.client.request(`/v2/mono/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: data,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/mono/blobs/${digest}`);
    expect(res.headers.get('docker-content-digest')).toBe(digest);

    const head = await b.client.request(`/v2/mono/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(data.length));
    expect(head.headers.get('docker-content-digest')).toBe(digest);

    const get = await b.client.request(`/v2/mono/blobs/${digest}`);
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);

    const ranged = await b.client.request(`/v2/mono/blobs/${digest}`, {
      headers: { Range: 'bytes=100-199' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${data.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);

    const suffix = await b.client.request(`/v2/mono/blobs/${digest}`, { headers: { Range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(data.subarray(data.length - 10))).toBe(true);

    const open = await b.client.request(`/v2/mono/blobs/${digest}`, {
      headers: { Range: `bytes=${data.length - 5}-` },
    });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(5);

    const beyond = await b.client.request(`/v2/mono/blobs/${digest}`, {
      headers: { Range: `bytes=${data.length}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${data.length}`);

    // A Range header that cannot be parsed, uses another unit or is backwards is ignored (RFC 9110).
    for (const range of ['bytes=abc', 'items=0-1', 'bytes=-', 'bytes=9-3', 'bytes=0-1,5-6']) {
      const ignored = await b.client.request(`/v2/mono/blobs/${digest}`, { headers: { Range: range } });
      expect({ range, status: ignored.status }).toEqual({ range, status: 200 });
      expect(Buffer.from(await ignored.arrayBuffer()).equals(data)).toBe(true);
    }
  });

  it('takes POST then a single PUT with the whole body', async () => {
    const data = Buffer.from('put in one go');
    const start = await b.client.request('/v2/single/blobs/uploads/', { method: 'POST' });
    expect(start.status).toBe(202);
    const location = start.headers.get('location') as string;
    expect(location).toMatch(/^\/v2\/single\/blobs\/uploads\/[0-9a-f-]{36}$/);
    expect(start.headers.get('docker-upload-uuid')).toBe(location.split('/').pop());
    expect(start.headers.get('range')).toBe('0-0');
    const put = await b.client.request(`${location}?digest=${sha256(data)}`, { method: 'PUT', body: data });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(sha256(data));
    const get = await b.client.request(`/v2/single/blobs/${sha256(data)}`);
    expect(await get.text()).toBe('put in one go');
  });

  it('takes ordered chunks, reports progress, refuses out-of-order chunks with 416', async () => {
    const data = randomBytes(70_000);
    const start = await b.client.request('/v2/chunks/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location') as string;
    const chunks = [data.subarray(0, 30_000), data.subarray(30_000, 60_000), data.subarray(60_000)];

    let offset = 0;
    for (const chunk of chunks.slice(0, 2)) {
      const res = await b.client.request(location, {
        method: 'PATCH',
        body: chunk,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Range': `${offset}-${offset + chunk.length - 1}`,
          'Content-Length': String(chunk.length),
        },
      });
      expect(res.status).toBe(202);
      offset += chunk.length;
      expect(res.headers.get('range')).toBe(`0-${offset - 1}`);
      expect(res.headers.get('location')).toBe(location);
    }

    const status = await b.client.request(location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-59999');

    const outOfOrder = await b.client.request(location, {
      method: 'PATCH',
      body: chunks[2],
      headers: { 'Content-Range': `10-${10 + (chunks[2]?.length ?? 0) - 1}` },
    });
    expect(outOfOrder.status).toBe(416);
    expect(await errorCode(outOfOrder)).toBe('BLOB_UPLOAD_INVALID');
    expect(outOfOrder.headers.get('range')).toBe('0-59999');

    const badRange = await b.client.request(location, {
      method: 'PATCH',
      body: 'abc',
      headers: { 'Content-Range': 'garbage' },
    });
    expect(badRange.status).toBe(416);

    const last = chunks[2] as Buffer;
    const done = await b.client.request(`${location}?digest=${sha256(data)}`, {
      method: 'PUT',
      body: last,
      headers: { 'Content-Range': `60000-${60000 + last.length - 1}` },
    });
    expect(done.status).toBe(201);
    const get = await b.client.request(`/v2/chunks/blobs/${sha256(data)}`);
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);

    const gone = await b.client.request(location);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('takes a streamed PATCH without Content-Range, then an empty PUT', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 17);
    const start = await b.client.request('/v2/streamed/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location') as string;
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < data.length; i += 65536) controller.enqueue(data.subarray(i, i + 65536));
        controller.close();
      },
    });
    const patch = await b.client.request(location, {
      method: 'PATCH',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(patch.status).toBe(202);
    expect(patch.headers.get('range')).toBe(`0-${data.length - 1}`);
    const put = await b.client.request(`${location}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const head = await b.client.request(`/v2/streamed/blobs/${sha256(data)}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(data.length));
  });

  it('refuses a digest that does not match and exposes nothing', async () => {
    const data = Buffer.from('honest bytes');
    const wrong = sha256('other bytes');
    const mono = await b.client.request(`/v2/verify/blobs/uploads/?digest=${wrong}`, {
      method: 'POST',
      body: data,
    });
    expect(mono.status).toBe(400);
    expect(await errorCode(mono)).toBe('DIGEST_INVALID');
    const start = await b.client.request('/v2/verify/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location') as string;
    const put = await b.client.request(`${location}?digest=${wrong}`, { method: 'PUT', body: data });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('DIGEST_INVALID');
    for (const digest of [wrong, sha256(data)]) {
      expect((await b.client.request(`/v2/verify/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
    }
  });

  it('rejects malformed digests, names and upload ids in OCI terms', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['/v2/x/blobs/sha256:abc', {}, 400, 'DIGEST_INVALID'],
      ['/v2/x/blobs/md5:d41d8cd98f00b204e9800998ecf8427e', {}, 400, 'DIGEST_INVALID'],
      ['/v2/x/blobs/uploads/?digest=nonsense', { method: 'POST', body: 'x' }, 400, 'DIGEST_INVALID'],
      ['/v2/UPPER/blobs/uploads/', { method: 'POST' }, 400, 'NAME_INVALID'],
      ['/v2/a..b/tags/list', {}, 400, 'NAME_INVALID'],
      ['/v2/x/blobs/uploads/not-a-uuid', {}, 404, 'BLOB_UPLOAD_UNKNOWN'],
      [
        `/v2/x/blobs/uploads/${crypto.randomUUID()}`,
        { method: 'PATCH', body: 'x' },
        404,
        'BLOB_UPLOAD_UNKNOWN',
      ],
      [`/v2/x/blobs/${sha256('absent')}`, {}, 404, 'BLOB_UNKNOWN'],
      ['/v2/x/nonsense', {}, 404, 'UNSUPPORTED'],
      ['/v2/x/tags/list', { method: 'POST' }, 405, 'UNSUPPORTED'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await b.client.request(path, init);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect({ path, code: await errorCode(res) }).toEqual({ path, code });
    }
  });

  it('keeps uploads to their own repository', async () => {
    const start = await b.client.request('/v2/mine/blobs/uploads/', { method: 'POST' });
    const id = (start.headers.get('location') as string).split('/').pop();
    const res = await b.client.request(`/v2/theirs/blobs/uploads/${id}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('cancels an upload', async () => {
    const start = await b.client.request('/v2/cancel/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location') as string;
    await b.client.request(location, { method: 'PATCH', body: 'some data' });
    expect((await b.client.request(location, { method: 'DELETE' })).status).toBe(204);
    expect((await b.client.request(location)).status).toBe(404);
  });

  it('stores sha512 and empty blobs', async () => {
    const data = Buffer.from('sha512 content');
    const res = await b.client.request(`/v2/algos/blobs/uploads/?digest=${sha512(data)}`, {
      method: 'POST',
      body: data,
    });
    expect(res.status).toBe(201);
    expect(await (await b.client.request(`/v2/algos/blobs/${sha512(data)}`)).text()).toBe('sha512 content');

    const start = await b.client.request('/v2/algos/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location') as string;
    await b.client.request(location, { method: 'PATCH', body: data });
    const put = await b.client.request(`${location}?digest=${sha512(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);

    const empty = await b.client.request(`/v2/algos/blobs/uploads/?digest=${sha256('')}`, { method: 'POST' });
    expect(empty.status).toBe(201);
    const head = await b.client.request(`/v2/algos/blobs/${sha256('')}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('0');
  });

  it('mounts a blob from another repository, and falls back to an upload when it cannot', async () => {
    const blob = await b.client.pushBlob('source/repo', 'shared layer');
    const mounted = await b.client.request(
      `/v2/target/repo/blobs/uploads/?mount=${blob.digest}&from=source/repo`,
      {
        method: 'POST',
      },
    );
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toBe(`/v2/target/repo/blobs/${blob.digest}`);
    expect(await (await b.client.request(`/v2/target/repo/blobs/${blob.digest}`)).text()).toBe(
      'shared layer',
    );

    const fallback = await b.client.request(
      `/v2/target/repo/blobs/uploads/?mount=${sha256('nowhere')}&from=source/repo`,
      {
        method: 'POST',
      },
    );
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/\/v2\/target\/repo\/blobs\/uploads\//);
    const noFrom = await b.client.request(`/v2/target/repo/blobs/uploads/?mount=${blob.digest}`, {
      method: 'POST',
    });
    expect(noFrom.status).toBe(202);
  });

  it('deletes a blob link without touching other repositories', async () => {
    const blob = await b.client.pushBlob('del/one', 'to be deleted');
    await b.client.pushBlob('del/two', 'to be deleted');
    const res = await b.client.request(`/v2/del/one/blobs/${blob.digest}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect((await b.client.request(`/v2/del/one/blobs/${blob.digest}`, { method: 'HEAD' })).status).toBe(404);
    expect((await b.client.request(`/v2/del/two/blobs/${blob.digest}`, { method: 'HEAD' })).status).toBe(200);
    const again = await b.client.request(`/v2/del/one/blobs/${blob.digest}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('lets two clients push the same blob at once, storing one copy', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const digest = sha256(data);
    const pushes = await Promise.all(
      ['race/a', 'race/b', 'race/a', 'race/c'].map(async (repo) => {
        const start = await b.client.request(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
        const location = start.headers.get('location') as string;
        await b.client.request(location, { method: 'PATCH', body: data });
        return b.client.request(`${location}?digest=${digest}`, { method: 'PUT' });
      }),
    );
    expect(pushes.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const driver = b.storage.create();
    const copies: string[] = [];
    for await (const object of driver.list('blobs/'))
      if (object.key.endsWith(digest.slice(7))) copies.push(object.key);
    await driver.close();
    expect(copies).toHaveLength(1);
    for (const repo of ['race/a', 'race/b', 'race/c']) {
      const get = await b.client.request(`/v2/${repo}/blobs/${digest}`);
      const body = Buffer.from(await get.arrayBuffer());
      expect({ repo, status: get.status, length: body.length }).toEqual({
        repo,
        status: 200,
        length: data.length,
      });
      expect(sha256(body)).toBe(digest);
    }
  });
});
