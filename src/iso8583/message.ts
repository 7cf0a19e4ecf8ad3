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

/**
 * Passed as the constructor's `fields` by `decodedMessage` only (never
 * exported): the message then takes its values from the decoder's slots.
 */
const FROM_SLOTS: Readonly<Record<number, FieldValue>> = Object.freeze({});

/** Builds a decoded message from its slots (see `decodedMessage`); set by the class's static block. */
let fromSlots: (mti: string, slots: readonly (FieldValue | undefined)[], dialect: Dialect) => Iso8583Message;

export class Iso8583Message implements MessageInput {
  readonly mti: string;
  /**
   * The fields as a frozen record: a copy of the constructor's, or — for a
   * decoded message — built from `#slots` on the first read of `fields`.
   */
  #fields: Readonly<Record<number, FieldValue>> | undefined;
  /**
   * A decoded message's values by field number, holes where absent. An
   * object with sparse integer keys costs V8 several times more to fill than
   * a pre-sized array, and most readers (`get`, the host) never need the
   * record; the array is private and never changes.
   */
  #slots: readonly (FieldValue | undefined)[] | undefined;
  readonly #dialect: Dialect | undefined;

  static {
    fromSlots = (mti, slots, dialect) => {
      const message = new Iso8583Message(mti, FROM_SLOTS, dialect);
      message.#slots = slots;
      return message;
    };
  }

  constructor(mti: string, fields: Readonly<Record<number, FieldValue>>, dialect?: Dialect) {
    this.mti = mti;
    this.#fields = fields === FROM_SLOTS ? undefined : Object.freeze({ ...fields });
    this.#slots = undefined;
    this.#dialect = dialect;
  }

  /** The clear field values. Do not log this object: log the message. */
  get fields(): Readonly<Record<number, FieldValue>> {
    if (this.#fields !== undefined) return this.#fields;
    const record: Record<number, FieldValue> = {};
    const slots = this.#slots ?? [];
    for (let n = 0; n < slots.length; n++) {
      const value = slots[n];
      if (value !== undefined) record[n] = value;
    }
    this.#fields = Object.freeze(record);
    return this.#fields;
  }

  has(field: number): boolean {
    return this.get(field) !== undefined;
  }

  get(field: number): FieldValue | undefined {
    const slots = this.#slots;
    // `fields` is built from the slots only when read, so the slots stay the source for a decoded message.
    if (slots !== undefined) return slots[field];
    return (this.#fields as Readonly<Record<number, FieldValue>>)[field];
  }

  /** A text field's value; `undefined` when absent. A binary field here is a typed error. */
  text(field: number): string | undefined {
    const value = this.get(field);
    if (value === undefined || typeof value === 'string') return value;
    throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is binary, not text`, { field, expected: 'text' });
  }

  /** A binary field's value; `undefined` when absent. A text field here is a typed error. */
  bytes(field: number): Buffer | undefined {
    const value = this.get(field);
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

/**
 * For the decoder: a message over `slots` (index = field number, holes where
 * absent), which it hands over and never touches again.
 */
export function decodedMessage(mti: string, slots: readonly (FieldValue | undefined)[], dialect: Dialect): Iso8583Message {
  return fromSlots(mti, slots, dialect);
}
