// The architecture, checked: `npm run depcruise` (part of `npm test`) fails with
// dependency-cruiser's own message when an import breaks one of these rules.
//
// Parser: swc. dependency-cruiser parses TypeScript with the `typescript` module's
// JS API only for typescript <7; our typescript@7 (the Go compiler) has no such API,
// so without swc it would not see type-only imports as such. swc parses the .ts
// source itself and keeps `import type` / `export type` (marked "type-only"), and
// every rule below counts them: a type-only cycle is still a cycle.
//
// Without a usable parser dependency-cruiser scans no .ts file and reports
// "no dependency violations found (0 modules)" with only a warning: fail instead.
require('@swc/core').parseSync('', { syntax: 'typescript' })

/** `from` may import, inside src/, only these folders (npm packages and node: builtins are not src/). */
const onlyWithinSrc = (name, from, allowed, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from },
  to: { path: '^src/', pathNot: allowed },
})

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles at all, type-only ones included: a cycle means two modules are one job split in two.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-not-to-handlers',
      severity: 'error',
      comment: 'The core knows nothing about any one source: handlers use the core, never the reverse.',
      from: { path: '^src/core/' },
      to: { path: '^src/handlers/' },
    },
    {
      name: 'rules-only-to-domain',
      severity: 'error',
      comment:
        'Rules are data and pure matching: no handlers, and from the core only the domain (and the Env type of config/env.ts).',
      from: { path: '^src/rules/' },
      to: {
        path: '^src/(handlers|core)/',
        pathNot: ['^src/core/domain/', '^src/core/config/env[.]ts$'],
      },
    },
    {
      name: 'core-layers/domain',
      severity: 'error',
      comment: 'The domain is the bottom layer: it imports no other src/core folder.',
      from: { path: '^src/core/domain/' },
      to: { path: '^src/core/', pathNot: '^src/core/domain/' },
    },
    onlyWithinSrc(
      'core-layers/exactly-once',
      '^src/core/exactly-once/',
      ['^src/core/(domain|exactly-once)/'],
      'Claims and the store contract build on the domain only.',
    ),
    onlyWithinSrc(
      'core-layers/clients',
      '^src/core/clients/',
      ['^src/core/(domain|config|clients)/'],
      'Upstream clients build on the domain and their configuration only.',
    ),
    onlyWithinSrc(
      'core-layers/config',
      '^src/core/config/',
      ['^src/core/(domain|config)/'],
      'Reading settings needs the domain (its errors) only.',
    ),
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Shipped code never imports test code.',
      from: { path: '^(src|bin|netlify)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that imports nothing is dead code (or a missing import).',
      from: {
        orphan: true,
        path: '^src/',
        pathNot: ['[.]d[.]ts$', '(^|/)[.][^/]+[.](js|cjs|mjs|ts|json)$', '(^|/)(tsconfig|vitest[.]config)[.]'],
      },
      to: {},
    },
  ],
  options: {
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    // The package build (npm run build) is a copy of src: bin/ may point at it, but it is not ours to check twice.
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages the way Node does for our ESM imports (`exports` with the `import` condition).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
}
