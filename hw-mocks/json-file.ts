/**
 * The simulation's data files (the card deck, the test keys): JSON checked
 * with zod, so that a hand-edited file fails with its bad fields named.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { PosError } from '../src/util/errors.js';

/** `path` parsed and checked; `CONFIG_UNREADABLE` when it cannot be read as JSON, `CONFIG_INVALID` naming each bad field (never a value). */
export function loadJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PosError('CONFIG_UNREADABLE', `Cannot read ${what} ${path}`, { path }, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.'));
    throw new PosError('CONFIG_INVALID', `Invalid ${what} ${path}: ${fields.join(', ')}`, { path, fields });
  }
  return parsed.data;
}
