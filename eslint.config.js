// @ts-check
import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * @typedef {{ readonly path: string, readonly lazy?: true }} Allowed
 *   `path`: a layer (`src/host`), or `drivers/*` / `hw-mocks/*` for each folder there;
 *   `lazy`: only by `import()` (or `import type`), so that it loads only when asked for.
 * @typedef {{ readonly layer: string, readonly may: readonly Allowed[] }} Layer
 *   `layer`: a folder (`src/host`), a file (`src/cli/actions/host-sim.ts`), or `drivers/*` /
 *   `hw-mocks/*`: each folder there is a layer of its own with these rules.
 */

/** @param {...string} paths @returns {Allowed[]} */
const may = (...paths) => paths.map((path) => ({ path }));
/** @param {string} path @returns {Allowed} */
const lazily = (path) => ({ path, lazy: true });

const CODECS = may('src/emv', 'src/crypto', 'src/iso8583', 'src/card');
const BASE = may('src/config', 'src/log', 'src/util');
/** Every layer of the terminal's own code, for the composition root and the CLI. */
const TERMINAL = [...BASE, ...CODECS, ...may('src/devices', 'src/display', 'src/host', 'src/txn', 'src/receipt', 'drivers/*')];
const CLI_ACTIONS = [...TERMINAL, ...may('src/app', 'src/cli', 'src/cli/commands')];

/**
 * The layer table of docs/ARCHITECTURE.md, row for row (test/docs/layers.test.ts
 * holds the two equal): what each layer may import. A layer's own files may
 * always import each other; anything not listed is refused. Tests and benches
 * may import anything.
 * @type {readonly Layer[]}
 */
export const LAYERS = [
  { layer: 'src/util', may: [] },
  { layer: 'src/log', may: may('src/util') },
  { layer: 'src/config', may: may('src/util') },
  { layer: 'src/card', may: may('src/util') },
  { layer: 'src/crypto', may: may('src/util') },
  { layer: 'src/iso8583', may: may('src/util') },
  { layer: 'src/emv', may: may('src/crypto', 'src/util') },
  { layer: 'src/devices', may: may('src/card', 'src/util') },
  { layer: 'src/display', may: may('src/devices', 'src/util') },
  { layer: 'src/host', may: [...CODECS, ...may('src/devices', 'src/log', 'src/util')] },
  { layer: 'src/txn', may: [...BASE, ...CODECS, ...may('src/devices', 'src/display', 'src/host')] },
  { layer: 'src/receipt', may: may('src/txn', 'src/devices', 'src/card', 'src/util') },
  { layer: 'src/app', may: [...TERMINAL, lazily('src/app/simulation')] },
  { layer: 'src/app/simulation', may: [...TERMINAL, ...may('src/app', 'hw-mocks', 'hw-mocks/*')] },
  { layer: 'src/cli', may: [...TERMINAL, ...may('src/app', 'src/cli/commands'), lazily('src/cli/actions')] },
  { layer: 'src/cli/commands', may: [...TERMINAL, ...may('src/cli'), lazily('src/cli/actions')] },
  { layer: 'src/cli/actions', may: CLI_ACTIONS },
  { layer: 'src/cli/actions/host-sim.ts', may: [...CLI_ACTIONS, ...may('src/cli/actions', 'hw-mocks/cards', 'hw-mocks/host')] },
  { layer: 'drivers/transport', may: may('src/devices', 'src/log', 'src/util') },
  { layer: 'drivers/reconnect', may: may('drivers/transport', 'src/devices', 'src/log', 'src/util') },
  { layer: 'drivers/shared', may: may('drivers/transport', 'drivers/reconnect', 'src/devices', 'src/card', 'src/emv', 'src/log', 'src/util') },
  { layer: 'drivers/*', may: [...may('drivers/shared', 'drivers/transport', 'drivers/reconnect', 'src/devices'), ...CODECS, ...may('src/log', 'src/util')] },
  { layer: 'hw-mocks', may: may('src/devices', 'src/util') },
  { layer: 'hw-mocks/cards', may: may('hw-mocks', 'src/card', 'src/util') },
  { layer: 'hw-mocks/keys', may: may('hw-mocks', 'src/crypto', 'src/host', 'src/util') },
  { layer: 'hw-mocks/host', may: [...may('hw-mocks/cards', 'hw-mocks/keys', 'hw-mocks/chip-card', 'src/host'), ...CODECS, ...may('src/log', 'src/util')] },
  { layer: 'hw-mocks/*', may: [...may('hw-mocks', 'hw-mocks/cards', 'hw-mocks/keys', 'hw-mocks/chip-card', 'src/devices'), ...CODECS, ...may('src/log', 'src/util')] },
];

const ROOT = import.meta.dirname;

/**
 * The layer a project file belongs to: its own file entry, else the longest
 * folder entry holding it, where `x/*` stands for the folder right under `x`.
 * @param {string} file relative to the project root, `/`-separated
 * @returns {{ name: string, rules: Layer } | undefined}
 */
export function layerOf(file) {
  let best;
  for (const rules of LAYERS) {
    let name = rules.layer;
    if (name.endsWith('/*')) {
      const parts = file.split('/');
      if (parts.length < 3 || `${parts[0]}/*` !== name) continue;
      name = `${parts[0]}/${parts[1]}`;
    }
    const holds = file === name || file.startsWith(`${name}/`);
    // A named layer wins over a wildcard one of the same length (`hw-mocks/host` over `hw-mocks/*`).
    if (holds && (best === undefined || name.length > best.name.length || (name.length === best.name.length && !rules.layer.endsWith('/*')))) best = { name, rules };
  }
  return best;
}

/** @param {Allowed} allowed @param {string} layer */
const names = (allowed, layer) => allowed.path === layer || (allowed.path.endsWith('/*') && layer.startsWith(allowed.path.slice(0, -1)));

/** The rule `layers/imports`: every relative import, re-export, `import()` and `import type` checked against `LAYERS`. */
export const layersPlugin = {
  rules: {
    imports: {
      meta: {
        type: /** @type {const} */ ('problem'),
        docs: { description: 'The layer table of docs/ARCHITECTURE.md' },
        schema: [],
        messages: {
          forbidden: '{{from}} may not import {{to}} (the layer table, docs/ARCHITECTURE.md).',
          lazy: '{{from}} may load {{to}} only by import() or import type: it is loaded only when asked for (docs/ARCHITECTURE.md).',
        },
      },
      /** @param {import('eslint').Rule.RuleContext} context */
      create(context) {
        const own = relative(ROOT, context.filename).split(sep).join('/');
        const from = layerOf(own);
        if (from === undefined) return {};
        /**
         * @param {import('estree').Node} node
         * @param {unknown} specifier
         * @param {'static' | 'type' | 'dynamic'} how
         */
        const check = (node, specifier, how) => {
          if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
          const target = relative(ROOT, resolve(dirname(context.filename), specifier)).split(sep).join('/');
          const to = layerOf(target);
          if (to === undefined || to.name === from.name) return;
          // The most specific entry decides: `src/app/simulation` (lazily) before a `src/*`-like one.
          const allowed = from.rules.may.filter((a) => names(a, to.name)).sort((a, b) => b.path.length - a.path.length)[0];
          if (allowed === undefined) context.report({ node, messageId: 'forbidden', data: { from: from.name, to: to.name } });
          else if (allowed.lazy === true && how === 'static') context.report({ node, messageId: 'lazy', data: { from: from.name, to: to.name } });
        };
        return {
          /** @param {any} node */
          ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type' ? 'type' : 'static'),
          /** @param {any} node */
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type' ? 'type' : 'static'),
          /** @param {any} node */
          ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type' ? 'type' : 'static'),
          /** @param {any} node */
          ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, 'dynamic'),
          /** @param {any} node */
          TSImportType: (node) => check(node, node.argument?.literal?.value, 'type'),
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**', 'drivers/**', 'hw-mocks/**'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports': 'error' },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // vitest's asymmetric matchers (expect.objectContaining, …) are typed `any`.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
);
