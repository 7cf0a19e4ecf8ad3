/**
 * The project's root folder, found by walking up from this module to the
 * `package.json` named `pos-terminal`. The same answer whether the code runs
 * from `src/` (tests) or from `dist/src/` (the built CLI), so data files that
 * ship beside the code (`hw-mocks/cards/deck.json`) are found either way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function projectRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pos-terminal') {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('pos-terminal: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
