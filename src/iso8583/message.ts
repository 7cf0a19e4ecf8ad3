/**
 * A decoded ISO 8583 message. It prints masked (see `mask.ts`) through
 * `toString`, `toJSON`, template strings and `util.inspect`, so that logging a
 * message never leaks a PAN or a track. Only reading a field on purpose
 * (`get`, `text`, `bytes`, `fields`) gives the clear value.
 */
import { inspect } from 'node:util';
import { PosError } from '../util/errors.js';
import { maskedMessage, presentFields } from './mask.js';
import type { Dialect, FieldValue, MessageInput } from './types.js';

export class Iso8583Message implements MessageInput {
  readonly mti: string;
  readonly #fields: Readonly<Record<number, FieldValue>>;
  readonly #dialect: Dialect | undefined;

  constructor(mti: string, fields: Readonly<Record<number, FieldValue>>, dialect?: Dialect) {
    this.mti = mti;
    this.#fields = Object.freeze({ ...fields });
    this.#dialect = dialect;
  }

  /** The clear field values. Do not log this object: log the message. */
  get fields(): Readonly<Record<number, FieldValue>> {
    return this.#fields;
  }

  has(field: number): boolean {
    return this.#fields[field] !== undefined;
  }

  get(field: number): FieldValue | undefined {
    return this.#fields[field];
  }

  /** A text field's value; `undefined` when absent. A binary field here is a typed error. */
  text(field: number): string | undefined {
    const value = this.#fields[field];
    if (value === undefined || typeof value === 'string') return value;
    throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is binary, not text`, { field, expected: 'text' });
  }

  /** A binary field's value; `undefined` when absent. A text field here is a typed error. */
  bytes(field: number): Buffer | undefined {
    const value = this.#fields[field];
    if (value === undefined || typeof value !== 'string') return value;
    throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is text, not binary`, { field, expected: 'bytes' });
  }

  /** Field numbers present, ascending. */
  fieldNumbers(): number[] {
    return presentFields(this);
  }

  toJSON(): { mti: string; fields: Record<string, string> } {
    return maskedMessage(this, this.#dialect);
  }

  toString(): string {
    const { mti, fields } = this.toJSON();
    return `${mti} ${Object.entries(fields)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`;
  }

  [Symbol.toPrimitive](): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return `Iso8583Message<${this.toString()}>`;
  }
}
