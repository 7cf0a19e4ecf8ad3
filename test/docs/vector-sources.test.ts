/**
 * Every vector file stands on its own: it names where its values were
 * published (a standard, a public repository and file), and never a path on
 * some machine, which no reader of the repository can open.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function vectorFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return vectorFiles(path);
    return dir.split('/').at(-1) === 'vectors' && entry.name.endsWith('.json') ? [relative(ROOT, path)] : [];
  });
}

/** A path only one machine has: any absolute filesystem path, a home-relative one, or one that climbs out of the repository. */
const LOCAL_PATH = /(?:^|[\s("'])(?:\/[\w.-]+\/|~\/|\.\.\/)/;

/** Strings anywhere in a JSON value, with where they are. */
function strings(value: unknown, at: string): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
  return [];
}

/** Whether the file names its source: at the top, or on every row of each list of vectors. */
function namesItsSources(doc: Record<string, unknown>): boolean {
  if (doc['source'] !== undefined) return true;
  const lists = Object.values(doc).filter((v): v is unknown[] => Array.isArray(v));
  return lists.length > 0 && lists.every((rows) => rows.every((row) => typeof row === 'object' && row !== null && 'source' in row));
}

describe('vector files', () => {
  const files = vectorFiles(join(ROOT, 'test'));

  it('are found under test/**/vectors/', () => {
    expect(files).toContain('test/vectors/crypto-dukpt-tdes.json');
    expect(files).toContain('test/card/vectors/track-samples.json');
  });

  it.each(files)('%s names its sources', (file) => {
    expect(namesItsSources(JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>)).toBe(true);
  });

  it.each(files)('%s cites no path of a machine', (file) => {
    const local = strings(JSON.parse(readFileSync(join(ROOT, file), 'utf8')), '$').filter(([, text]) => LOCAL_PATH.test(text));
    expect(local).toEqual([]);
  });

  it('the path check catches what it must, and lets a repository path through', () => {
    expect(['see /var/lib/vectors/x.json', 'via /a/b.json', '(~/vectors.json)', 'from ../outside/x.json'].every((t) => LOCAL_PATH.test(t))).toBe(true);
    expect(
      ['openemv/dukpt test/dukpt_tdes_test.c', 'knovichikhin/pyemv tests/test_tlv.py', 'ANSI X9.24-1:2009 A.4', 'https://example.org/spec/x.pdf'].some((t) => LOCAL_PATH.test(t)),
    ).toBe(false);
  });
});
