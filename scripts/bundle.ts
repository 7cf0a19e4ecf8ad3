/**
 * The production bundle, what the systemd unit runs: `dist/pos/pos.js`, made
 * by esbuild from the compiled tree (`dist/src/cli/main.js`, which the tests
 * run) after `tsc` (`npm run build` runs this as `dist/scripts/bundle.js`,
 * from the project's root). Starting `pos run` from some 400 ES modules
 * spends much of its time in Node's module loader; the same code in some 50
 * minified files starts in about four fifths of the CPU time and holds about
 * 4 MB less (`npm run bench startup` measures both).
 *
 * - Code splitting keeps every `import()` lazy: each command's action, the
 *   HTTPS gateway with axios, the simulation, each in a chunk of its own.
 * - `io-thread.js` is an entry of its own beside the chunks: the host
 *   simulator starts it as a worker by `new URL('./io-thread.js', import.meta.url)`.
 * - Left out, loaded from node_modules: native addons (better-sqlite3, the
 *   serialport binding, node-hid) and pino-pretty, which only a terminal on a
 *   TTY loads (`src/log/logger.ts`). pino is bundled: the logger uses no pino
 *   transport, whose worker threads would need pino's own files.
 * - `require` is given to the CommonJS packages bundled into ES modules.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT_DIR = 'dist/pos';

// Chunk names carry a content hash: the last build's chunks would otherwise pile up.
rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: { pos: 'dist/src/cli/main.js', 'io-thread': 'dist/hw-mocks/host/io-thread.js' },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: identifiers keep their names (errors and logs
  // name classes), without the wrappers esbuild's keepNames adds to each.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  chunkNames: '[name]-[hash]',
  external: ['better-sqlite3', '@serialport/bindings-cpp', 'node-hid', 'pino-pretty'],
  banner: { js: "import { createRequire as __posCreateRequire } from 'node:module'; const require = __posCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
