import { describe, expect, it } from 'vitest';
import { digestOf, parseDigest } from './digest.js';
import { assertRepositoryName, isValidTag } from './names.js';

describe('repository names (distribution-spec grammar)', () => {
  it.each(['a', 'library/ubuntu', 'team/app/api', 'a.b_c__d-e--f', 'x0/y1/z2', `${'a'.repeat(255)}`])(
    'accepts %s',
    (name) => {
      expect(() => assertRepositoryName(name)).not.toThrow();
    },
  );
  it.each(['', 'A', 'a/', '/a', 'a//b', 'a..b', 'a___b', '-a', 'a-', 'a b', 'a/../b', `${'a'.repeat(256)}`])(
    'rejects %j',
    (name) => {
      expect(() => assertRepositoryName(name)).toThrow(expect.objectContaining({ code: 'NAME_INVALID' }));
    },
  );
});

describe('tags', () => {
  it.each(['latest', 'v1.2.3', '_x', 'A-b.c_d', 'a'.repeat(128)])('accepts %s', (tag) =>
    expect(isValidTag(tag)).toBe(true),
  );
  it.each(['', '.x', '-x', 'a/b', 'a:b', 'a'.repeat(129)])('rejects %j', (tag) =>
    expect(isValidTag(tag)).toBe(false),
  );
});

describe('digests', () => {
  it('parses sha256 and sha512', () => {
    expect(parseDigest(digestOf('sha256', 'x')).algorithm).toBe('sha256');
    expect(parseDigest(digestOf('sha512', 'x')).hex).toHaveLength(128);
  });
  it.each([
    'sha256',
    'sha256:',
    'sha256:abc',
    `sha256:${'A'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `md5:${'a'.repeat(32)}`,
    `sha256:${'g'.repeat(64)}`,
  ])('rejects %s', (value) => {
    expect(() => parseDigest(value)).toThrow(expect.objectContaining({ code: 'DIGEST_INVALID' }));
  });
});
