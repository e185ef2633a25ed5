import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, type StorageDriver } from '../../src/storage/index.js';
import { createTestStorage, type StorageKind, type TestStorage } from '../support/services.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The one suite every storage driver must pass. */
describe.each<StorageKind>(['filesystem', 's3'])('storage driver: %s', (kind) => {
  let store: TestStorage;
  let driver: StorageDriver;

  beforeAll(async () => {
    store = await createTestStorage(kind);
    driver = store.create();
  });
  afterAll(async () => {
    await driver.close();
    await store.stop();
  });

  it('writes, stats and reads back an object', async () => {
    const data = randomBytes(100_000);
    expect(await driver.write('a/b/one', Readable.from([data]))).toBe(data.length);
    const info = await driver.stat('a/b/one');
    expect(info?.size).toBe(data.length);
    expect(await readAll(await driver.read('a/b/one'))).toEqual(data);
  });

  it('reads inclusive byte ranges', async () => {
    const data = Buffer.from('0123456789');
    await driver.write('range', Readable.from([data]));
    expect((await readAll(await driver.read('range', { start: 2, end: 5 }))).toString()).toBe('2345');
    expect((await readAll(await driver.read('range', { start: 7 }))).toString()).toBe('789');
  });

  it('answers null and ObjectNotFoundError for missing objects, and deletes idempotently', async () => {
    expect(await driver.stat('missing')).toBeNull();
    await expect(driver.read('missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await driver.delete('missing');
  });

  it('stores an empty object', async () => {
    expect(await driver.write('empty', Readable.from([]))).toBe(0);
    expect((await driver.stat('empty'))?.size).toBe(0);
    expect(await readAll(await driver.read('empty'))).toHaveLength(0);
  });

  it('leaves nothing visible when the source stream fails midway', async () => {
    const failing = new Readable({
      read() {
        this.push(randomBytes(64 * 1024));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(driver.write('broken', failing)).rejects.toThrow();
    expect(await driver.stat('broken')).toBeNull();
  });

  it('streams a multi-part object and keeps it intact', async () => {
    const parts = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));
    const expected = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    await driver.write('big', Readable.from(parts));
    const hash = createHash('sha256');
    for await (const chunk of await driver.read('big')) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(expected);
  });

  it('concatenates objects atomically, small and large, leaving the sources', async () => {
    const small = [Buffer.from('abc'), Buffer.from('def'), Buffer.from('g')];
    for (const [i, data] of small.entries()) await driver.write(`parts/s${i}`, Readable.from([data]));
    await driver.concat('joined-small', ['parts/s0', 'parts/s1', 'parts/s2']);
    expect((await readAll(await driver.read('joined-small'))).toString()).toBe('abcdefg');
    expect(await driver.stat('parts/s0')).not.toBeNull();

    const large = [randomBytes(6 * 1024 * 1024), randomBytes(1000)];
    for (const [i, data] of large.entries()) await driver.write(`parts/l${i}`, Readable.from([data]));
    await driver.concat('joined-large', ['parts/l0', 'parts/l1']);
    expect((await readAll(await driver.read('joined-large'))).equals(Buffer.concat(large))).toBe(true);

    await driver.concat('copied', ['parts/s1']);
    expect((await readAll(await driver.read('copied'))).toString()).toBe('def');
    await expect(driver.concat('never', ['parts/none'])).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await driver.stat('never')).toBeNull();
  });

  it('lists by prefix and deletes a prefix', async () => {
    for (const key of ['list/x/1', 'list/x/2', 'list/y/1', 'listing'])
      await driver.write(key, Readable.from([Buffer.from(key)]));
    const keys: string[] = [];
    for await (const info of driver.list('list/')) keys.push(info.key);
    expect(keys.sort()).toEqual(['list/x/1', 'list/x/2', 'list/y/1']);
    await driver.deletePrefix('list/x/');
    const left: string[] = [];
    for await (const info of driver.list('list/')) left.push(info.key);
    expect(left).toEqual(['list/y/1']);
    expect(await driver.stat('listing')).not.toBeNull();
  });

  it('deletes many objects at once, in batches, missing ones included', async () => {
    // 1,005 keys: S3 takes them in two DeleteObjects calls (1,000 at most each).
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    for (const key of keys.slice(0, 1003)) await driver.write(key, Readable.from([Buffer.from(key)]));
    await driver.write('many-kept', Readable.from([Buffer.from('kept')]));
    expect(await driver.deleteMany(keys, 3)).toEqual([]);
    const left: string[] = [];
    for await (const info of driver.list('many')) left.push(info.key);
    expect(left).toEqual(['many-kept']);
    expect(await driver.deleteMany([])).toEqual([]);
  });

  it('rejects keys that escape the store', async () => {
    if (kind !== 'filesystem') return;
    await expect(driver.write('../escape', Readable.from([Buffer.from('x')]))).rejects.toThrow(
      /invalid storage key/,
    );
  });

  it('cleans up its own leftovers without touching objects', async () => {
    await driver.write('kept', Readable.from([Buffer.from('x')]));
    await driver.cleanup(0);
    expect(await driver.stat('kept')).not.toBeNull();
  });
});
