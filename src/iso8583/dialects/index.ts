/**
 * The shipped ISO 8583 dialects, by the name `host.dialect` takes in config.
 * A new dialect is a new data file here and one entry below.
 */
import { PosError } from '../../util/errors.js';
import { isValidSpec } from '../field-codec.js';
import type { Dialect } from '../types.js';
import { iso87ascii } from './iso87ascii.js';
import { iso87asciiBinaryBitmap } from './iso87ascii-binary-bitmap.js';
import { iso87binary } from './iso87binary.js';

export const DIALECTS = {
  iso87ascii,
  'iso87ascii-binary-bitmap': iso87asciiBinaryBitmap,
  iso87binary,
} as const satisfies Record<string, Dialect>;

export type DialectName = keyof typeof DIALECTS;

export const DIALECT_NAMES = Object.keys(DIALECTS) as readonly DialectName[];

export function isDialectName(name: string): name is DialectName {
  return Object.hasOwn(DIALECTS, name);
}

/** The dialect called `name`; an unknown name is a config error listing the known ones. */
export function dialectByName(name: string): Dialect {
  if (isDialectName(name)) return DIALECTS[name];
  throw new PosError('ISO8583_DIALECT_UNKNOWN', `No ISO 8583 dialect is called "${name}"; known: ${DIALECT_NAMES.join(', ')}`, {
    name,
    known: DIALECT_NAMES,
  });
}

/** Checks that every field's format can travel in its encoding; throws `ISO8583_DIALECT_INVALID` naming the first that cannot. */
export function validateDialect(dialect: Dialect): void {
  for (const [key, spec] of Object.entries(dialect.fields)) {
    if (!isValidSpec(spec)) {
      throw new PosError('ISO8583_DIALECT_INVALID', `Dialect ${dialect.name}: field ${key}'s format ${spec.format} cannot be carried in ${spec.encoding}`, {
        dialect: dialect.name,
        field: Number(key),
        format: spec.format,
        encoding: spec.encoding,
      });
    }
  }
}

export { iso87ascii, iso87asciiBinaryBitmap, iso87binary };
