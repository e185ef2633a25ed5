/**
 * Alpine (apk-tools) version ordering: `digits{.digits}[letter]{_suffix[digits]}[-rN]`. Pre-release
 * suffixes (_alpha, _beta, _pre, _rc) sort before the plain version, the others (_cvs, _svn, _git,
 * _hg, _p) after it; where two versions differ in the kind of what comes next, the one that goes on
 * with more version (a digit before a letter before a suffix before a revision before the end) is newer.
 */
export function compareApk(a: string, b: string): number {
  const x = tokenize(a);
  const y = tokenize(b);
  for (let i = 0; ; i++) {
    const s = x[i] ?? end;
    const t = y[i] ?? end;
    if (s.kind !== t.kind) {
      if (s.kind === Kind.suffix && s.value < 0n) return -1;
      if (t.kind === Kind.suffix && t.value < 0n) return 1;
      return s.kind > t.kind ? -1 : 1;
    }
    if (s.kind === Kind.end) return 0;
    if (s.value !== t.value) return s.value < t.value ? -1 : 1;
  }
}

enum Kind {
  digit = 1,
  letter = 2,
  suffix = 3,
  suffixNumber = 4,
  revision = 5,
  end = 6,
}

interface Token {
  readonly kind: Kind;
  readonly value: bigint;
}

const end: Token = { kind: Kind.end, value: 0n };

const suffixes: Record<string, bigint> = {
  alpha: -4n,
  beta: -3n,
  pre: -2n,
  rc: -1n,
  cvs: 1n,
  svn: 2n,
  git: 3n,
  hg: 4n,
  p: 5n,
};

function tokenize(version: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /(\d+)|\.(\d+)|([a-z])(?![a-z])|_([a-z]+)(\d*)|-r(\d+)/gy;
  let match: RegExpExecArray | null = pattern.exec(version.trim());
  while (match) {
    const [, first, digits, letter, suffix, suffixNumber, revision] = match;
    if (first !== undefined || digits !== undefined)
      tokens.push({ kind: Kind.digit, value: BigInt(first ?? digits ?? '0') });
    else if (letter !== undefined) tokens.push({ kind: Kind.letter, value: BigInt(letter.charCodeAt(0)) });
    else if (suffix !== undefined) {
      tokens.push({ kind: Kind.suffix, value: suffixes[suffix] ?? 0n });
      if (suffixNumber) tokens.push({ kind: Kind.suffixNumber, value: BigInt(suffixNumber) });
    } else if (revision !== undefined) tokens.push({ kind: Kind.revision, value: BigInt(revision) });
    match = pattern.exec(version.trim());
  }
  return tokens;
}
