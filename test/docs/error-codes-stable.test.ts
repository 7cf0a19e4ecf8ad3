/** The error catalog's promise: a published code stays, and each code has one definition. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, mergeAreas } from '../../src/util/error-codes/index.js';
import { PUBLISHED_CODES, RETIRED_CODES } from './published-error-codes.js';

const catalog = Object.keys(ERROR_CODES);

describe('error codes are stable', () => {
  it('every published code is still in the catalog or retired with a reason (never renamed, never removed)', () => {
    const gone = PUBLISHED_CODES.filter((code) => !(code in ERROR_CODES) && !(code in RETIRED_CODES));
    expect(gone).toEqual([]);
  });

  it('every code in the catalog is published (add a new code to test/docs/published-error-codes.ts)', () => {
    const unlisted = catalog.filter((code) => !PUBLISHED_CODES.includes(code));
    expect(unlisted).toEqual([]);
  });

  it('a retired code is published, is out of the catalog for good, and says why', () => {
    for (const [code, reason] of Object.entries(RETIRED_CODES)) {
      expect(PUBLISHED_CODES).toContain(code);
      expect(catalog).not.toContain(code);
      expect(reason.trim()).not.toBe('');
    }
  });

  it('the published list names each code once', () => {
    expect(new Set(PUBLISHED_CODES).size).toBe(PUBLISHED_CODES.length);
  });
});

describe('a code defined in two area files', () => {
  const spec = { kind: 'input', summary: 'x' } as const;

  it('fails when the catalog is merged, naming both areas, instead of one definition replacing the other', () => {
    expect(() => mergeAreas({ CARD_ERRORS: { CARD_X: spec, CARD_Y: spec }, TXN_ERRORS: { TXN_Z: spec, CARD_X: { kind: 'state', summary: 'y' } } })).toThrow(
      'error code CARD_X is defined twice, in CARD_ERRORS and in TXN_ERRORS: a code has one definition',
    );
  });

  it('merges distinct areas into every code, in order', () => {
    expect(Object.keys(mergeAreas({ A: { A_1: spec, A_2: spec }, B: { B_1: spec } }))).toEqual(['A_1', 'A_2', 'B_1']);
  });

  it('the catalog holds exactly the codes the area files define, each once (no area left out, none dropped by a merge)', async () => {
    const dir = fileURLToPath(new URL('../../src/util/error-codes/', import.meta.url));
    const areaFiles = readdirSync(dir).filter((f) => f.endsWith('.ts') && !['index.ts', 'kind.ts', 'render-doc.ts'].includes(f));
    const modules = await Promise.all(areaFiles.map((f) => import(/* @vite-ignore */ pathToFileURL(join(dir, f)).href) as Promise<Record<string, unknown>>));
    const defined = modules.flatMap((module) => Object.entries(module).flatMap(([name, area]) => (name.endsWith('_ERRORS') && typeof area === 'object' && area !== null ? Object.keys(area) : [])));
    expect(areaFiles.length).toBeGreaterThan(10);
    expect([...catalog].sort()).toEqual(defined.sort());
  });
});
