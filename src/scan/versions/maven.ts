/**
 * Maven version ordering (ComparableVersion, as the POM reference specifies it): items split at `.`,
 * `-` and digit/letter changes; numbers compare as numbers; the qualifiers alpha < beta < milestone <
 * rc < snapshot < "" (ga, final, release) < sp, then other qualifiers alphabetically; trailing zeros
 * and empty qualifiers do not count (1.0 = 1 = 1-final).
 */
export function compareMaven(a: string, b: string): number {
  return compareLists(parse(a), parse(b));
}

type Item =
  | { kind: 'number'; value: bigint }
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: Item[] };

/** A single letter right before a digit abbreviates a qualifier (a1 = alpha-1). */
const letterAliases: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };
const aliases: Record<string, string> = { cr: 'rc', ga: '', final: '', release: '' };
const qualifiers = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];

function qualifierRank(value: string): string {
  const index = qualifiers.indexOf(value);
  return index >= 0 ? String(index) : `${qualifiers.length}-${value}`;
}

function parse(version: string): Item[] {
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let token = '';
  let digit = false;
  const flush = (followedByDigit: boolean) => {
    if (token === '') {
      list.push({ kind: 'number', value: 0n });
    } else if (digit) {
      list.push({ kind: 'number', value: BigInt(token) });
    } else {
      const lower = token.toLowerCase();
      const value = followedByDigit && lower.length === 1 ? (letterAliases[lower] ?? lower) : lower;
      list.push({ kind: 'string', value: aliases[value] ?? value });
    }
    token = '';
  };
  const text = version.trim();
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '.') {
      flush(false);
    } else if (c === '-') {
      flush(false);
      const sub: Item[] = [];
      list.push({ kind: 'list', items: sub });
      list = sub;
      stack.push(sub);
    } else if (c >= '0' && c <= '9') {
      if (!digit && token !== '') {
        flush(true);
        const sub: Item[] = [];
        list.push({ kind: 'list', items: sub });
        list = sub;
        stack.push(sub);
      }
      digit = true;
      token += c;
    } else {
      if (digit && token !== '') {
        flush(false);
        const sub: Item[] = [];
        list.push({ kind: 'list', items: sub });
        list = sub;
        stack.push(sub);
      }
      digit = false;
      token += c;
    }
  }
  if (token !== '') flush(false);
  for (const l of stack) normalize(l);
  return root;
}

const isNull = (item: Item): boolean =>
  (item.kind === 'number' && item.value === 0n) ||
  (item.kind === 'string' && item.value === '') ||
  (item.kind === 'list' && item.items.length === 0);

/** Drops trailing null items (0, "", empty lists) before each sub-list and at the end. */
function normalize(items: Item[]): void {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as Item;
    if (isNull(item)) items.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

/** Compares an item with "nothing" (the other list ran out). */
function compareToNull(item: Item): number {
  switch (item.kind) {
    case 'number':
      return item.value === 0n ? 0 : 1;
    case 'string':
      return compareStrings(item.value, '');
    case 'list':
      return item.items.length === 0 ? 0 : compareItem(item.items[0] as Item, undefined);
  }
}

function compareStrings(a: string, b: string): number {
  const x = qualifierRank(a);
  const y = qualifierRank(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function compareItem(a: Item, b: Item | undefined): number {
  if (b === undefined) return compareToNull(a);
  if (a.kind === 'number') {
    if (b.kind === 'number') return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
    return 1;
  }
  if (a.kind === 'string') {
    if (b.kind === 'number') return -1;
    if (b.kind === 'string') return compareStrings(a.value, b.value);
    return -1;
  }
  if (b.kind === 'number') return -1;
  if (b.kind === 'string') return 1;
  return compareLists(a.items, b.items);
}

function compareLists(a: Item[], b: Item[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    const result = x === undefined ? (y === undefined ? 0 : -compareItem(y, undefined)) : compareItem(x, y);
    if (result !== 0) return result;
  }
  return 0;
}
