/**
 * The layer rule of ../shared/STYLE.md: a folder under src/ imports only from itself and from the
 * layers below it. Same-rank folders (db/storage, auth/events/jobs, scan/replication/lifecycle/
 * trust/notify, registry/api) never import each other. At the top, services.ts < app.ts < main.ts
 * (the composition root) < cli.
 */
const layers = [
  ['lib'],
  ['config'],
  ['db', 'storage'],
  ['domain'],
  ['auth', 'events', 'jobs'],
  ['scan', 'replication', 'lifecycle', 'trust', 'notify'],
  ['registry', 'api'],
  ['services.ts'],
  ['app.ts'],
  ['main.ts'],
  ['cli'],
];

const pathOf = (name) => (name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);

const forbidden = [];
layers.forEach((rank, i) => {
  const above = layers.slice(i + 1).flat();
  for (const name of rank) {
    const notAllowed = [...above, ...rank.filter((other) => other !== name)];
    if (notAllowed.length === 0) continue;
    forbidden.push({
      name: `layer-${name}`,
      comment: `src/${name} may import only from its own folder and the layers below it`,
      severity: 'error',
      from: { path: pathOf(name) },
      to: { path: notAllowed.map(pathOf) },
    });
  }
});

forbidden.push(
  {
    name: 'no-circular',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'not-to-unresolvable',
    severity: 'error',
    from: {},
    to: { couldNotResolve: true },
  },
  {
    name: 'no-test-imports-in-product',
    severity: 'error',
    from: { path: '^src/', pathNot: '\\.test\\.ts$' },
    to: { path: ['\\.test\\.ts$', '^test/'] },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
