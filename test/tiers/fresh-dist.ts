/**
 * The system tier runs the built project (`dist/`), so it first makes sure
 * that is the code under test: every source file of the build (tsconfig.build.json:
 * src/, drivers/, hw-mocks/, bench/) must have its compiled file in `dist/`,
 * written no earlier than the source was last changed. Otherwise the tier
 * refuses to run, naming `npm run build` (which `npm test` and
 * `npm run test:system` run first).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders tsconfig.build.json compiles into dist/. */
export const BUILT_FOLDERS = ['src', 'drivers', 'hw-mocks', 'bench'] as const;

export interface StaleOutput {
  /** The source, relative to the project root. */
  readonly source: string;
  /** Its compiled file, relative to the project root. */
  readonly output: string;
  readonly reason: 'missing' | 'older';
}

function* typeScriptFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** The sources under `root` whose compiled file in `root/dist` is missing or older, newest source first. */
export function staleOutputs(root: string): StaleOutput[] {
  const stale: (StaleOutput & { readonly changedMs: number })[] = [];
  for (const folder of BUILT_FOLDERS) {
    for (const path of typeScriptFiles(join(root, folder))) {
      const source = relative(root, path);
      const output = join('dist', source.replace(/\.ts$/, '.js'));
      const changedMs = statSync(path).mtimeMs;
      const built = join(root, output);
      if (!existsSync(built)) stale.push({ source, output, reason: 'missing', changedMs });
      else if (statSync(built).mtimeMs < changedMs) stale.push({ source, output, reason: 'older', changedMs });
    }
  }
  return stale.sort((a, b) => b.changedMs - a.changedMs).map(({ source, output, reason }) => ({ source, output, reason }));
}

/** The refusal, or null when dist/ is up to date. */
export function staleDistMessage(root: string): string | null {
  const stale = staleOutputs(root);
  const newest = stale[0];
  if (newest === undefined) return null;
  const what = newest.reason === 'missing' ? `${newest.output} is missing` : `${newest.source} is newer than ${newest.output}`;
  const more = stale.length > 1 ? ` (and ${stale.length - 1} more)` : '';
  return `dist/ is older than the sources: ${what}${more}. The system tests run dist/: run \`npm run build\` first (npm test and npm run test:system do).`;
}

/** vitest globalSetup of the system tier. */
export default function refuseStaleDist(): void {
  const message = staleDistMessage(fileURLToPath(new URL('../..', import.meta.url)));
  if (message !== null) throw new Error(message);
}
