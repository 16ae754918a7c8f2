// Architecture rules (docs: design §1). `npm run arch` checks src/ with them, and
// test/architecture.test.ts runs the same rules through the programmatic API, on src/
// and on a fixture tree that breaks them (proof that a violation is caught).
//
// Paths in rules are relative to the directory depcruise runs from (the repo root).
// The fixture tree under test/fixtures/architecture is cruised from its own base
// directory (`baseDir`), so the same `^src/...` patterns apply to it.

// The platform modules, which react to every module's events without knowing them, and the
// modules they may know: identity and tenancy, whose façades they check access with (decision
// 0035). test/architecture.test.ts reads both lists from the rule below for its check of the
// event types these modules name.
const PLATFORM_MODULES = ['audit', 'webhooks', 'notifications'];
const KNOWN_TO_PLATFORM = ['auth', 'organizations'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-module',
      severity: 'error',
      comment: 'src/core is infrastructure: it knows no module and not the composition root or entry points.',
      from: { path: '^src/core/' },
      to: { path: ['^src/modules/', '^src/(app|main|cli)\\.ts$'] },
    },
    {
      name: 'module-through-index-only',
      severity: 'error',
      comment:
        "A module reaches another module only through that module's index.ts (its public door), never its repository, service or other files.",
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/([^/]+)/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'platform-modules-know-only-identity-and-tenancy',
      severity: 'error',
      comment:
        "audit, webhooks and notifications serve every module without knowing any: besides core they import only auth's and organizations' index.ts (access checks). What they handle reaches them as events and as the modules' declarations (notification kinds, decision 0035), never by importing the module.",
      from: { path: `^src/modules/(${PLATFORM_MODULES.join('|')})/` },
      to: {
        path: '^src/modules/',
        pathNot: ['^src/modules/$1/', `^src/modules/(${KNOWN_TO_PLATFORM.join('|')})/index\\.ts$`],
      },
    },
    {
      name: 'no-circular-modules',
      severity: 'error',
      comment:
        "No dependency cycle that leaves a module: modules depend on each other through their index files in one direction only (app.ts wires them in `requires` order). A cycle inside one module's own files is not this rule's business.",
      from: { path: '^src/modules/([^/]+)/' },
      // `via.pathNot`: flag the cycle unless every file on it lies in the importing module.
      to: { circular: true, via: { pathNot: '^src/modules/$1/' } },
    },
    {
      name: 'src-imports-no-tests',
      severity: 'error',
      comment: 'Production code never imports test code (test/, *.test.ts). Unit tests inside src/ may use test/ helpers.',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: ['^test/', '\\.test\\.ts$'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports (`import type`) count as dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      // Sources import each other with explicit `.ts` extensions (Node type stripping).
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
