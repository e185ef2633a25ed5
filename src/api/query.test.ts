import { describe, expect, it } from 'vitest';
import { filtersOf, parseQ, sortsOf } from './query.js';

const terms = (q: string) => Object.fromEntries(parseQ(q));

describe('Harbor’s q grammar', () => {
  it('reads every kind of term', () => {
    expect(terms('name=demo,desc=~abc,size=[1~10],op={create delete},labels=(1 2),x=\\~literal')).toEqual({
      name: { kind: 'exact', value: 'demo' },
      desc: { kind: 'fuzzy', value: 'abc' },
      size: { kind: 'range', min: '1', max: '10' },
      op: { kind: 'anyOf', values: ['create', 'delete'] },
      labels: { kind: 'allOf', values: ['1', '2'] },
      x: { kind: 'exact', value: '~literal' },
    });
    expect(terms('t=[2026-01-01 00:00:00~]')).toEqual({
      t: { kind: 'range', min: '2026-01-01 00:00:00', max: undefined },
    });
    expect(terms('t=[~5]')).toEqual({ t: { kind: 'range', min: undefined, max: '5' } });
    expect(terms('e={}')).toEqual({ e: { kind: 'anyOf', values: [] } });
    expect(terms('v=a=b')).toEqual({ v: { kind: 'exact', value: 'a=b' } });
  });

  it('decodes q once more, as Harbor does for its clients’ double encoding', () => {
    // What arrives after the HTTP layer decoded q=name%3D%257Edemo once:
    expect(terms('name=%7Edemo')).toEqual({ name: { kind: 'fuzzy', value: 'demo' } });
    expect(terms('name=a+b')).toEqual({ name: { kind: 'exact', value: 'a b' } });
    // A literal % that is not an escape leaves q as it is (no error, no 500).
    expect(terms('name=~50%')).toEqual({ name: { kind: 'fuzzy', value: '50%' } });
    expect(terms('name=~a%zz,x=%41')).toEqual({
      name: { kind: 'fuzzy', value: 'a%zz' },
      x: { kind: 'exact', value: '%41' },
    });
    // Invalid UTF-8 after decoding is kept undecoded too.
    expect(terms('name=%C3')).toEqual({ name: { kind: 'exact', value: '%C3' } });
  });

  it('refuses malformed terms with Harbor’s messages', () => {
    for (const q of ['name', '=v', 'k=', 'a=1,', ',']) {
      expect(() => parseQ(q)).toThrow('the query string must contain "=" and the key/value cannot be empty');
    }
    for (const q of ['k=~', 'k=[~]', 'k=[1~2~3]', 'k=[1', 'k={a', 'k=(a', 'k=[]']) {
      expect(() => parseQ(q), q).toThrow('invalid query string value');
    }
  });

  it('maps Harbor keys onto a resource’s fields and refuses others', () => {
    const keys = {
      name: 'name',
      Name: 'name',
      creation_time: 'createdAt',
      CreationTime: 'createdAt',
    } as const;
    expect(filtersOf('Name=~a,creation_time=[1~2]', keys)).toEqual({
      name: { kind: 'fuzzy', value: 'a' },
      createdAt: { kind: 'range', min: '1', max: '2' },
    });
    expect(() => filtersOf('owner=x', keys)).toThrow(
      'cannot filter by owner; use one of name, creation_time',
    );
    expect(sortsOf('-creation_time,name', keys)).toEqual([
      { field: 'createdAt', desc: true },
      { field: 'name', desc: false },
    ]);
    expect(() => sortsOf('size', keys)).toThrow('cannot sort by size');
  });
});
