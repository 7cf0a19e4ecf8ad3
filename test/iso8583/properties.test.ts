import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../src/iso8583/dialects/index.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Dialect, FieldSpec, MessageInput } from '../../src/iso8583/types.js';
import { DIALECT_VECTORS } from './dialect-vectors.js';
import { arbValue, mutatedMessages } from './arbitraries.js';
import { thrownOrNone } from '../pos-error.js';

function arbMessage(dialect: Dialect): fc.Arbitrary<MessageInput> {
  const numbers = Object.keys(dialect.fields).map(Number);
  return fc
    .tuple(
      fc.stringMatching(/^[0-9]{4}$/),
      fc.uniqueArray(fc.constantFrom(...numbers), { maxLength: 24 }).chain((ns) => fc.tuple(...ns.map((n) => arbValue(dialect.fields[n] as FieldSpec).map((v) => [n, v] as const)))),
    )
    .map(([mti, entries]) => ({ mti, fields: Object.fromEntries(entries) }));
}

function decodeOrPosError(dialect: Dialect, bytes: Uint8Array): void {
  const error = thrownOrNone(() => expect(decodeMessage(dialect, bytes).mti).toMatch(/^[0-9]{4}$/));
  if (error === undefined) return;
  expect(error.code).toMatch(/^ISO8583_/);
  expect(typeof error.details['offset']).toBe('number');
}

const dialects = Object.values(DIALECTS).map((d) => [d.name, d as Dialect] as const);

describe.each(dialects)('%s properties', (_name, dialect) => {
  it('round-trips any valid message, value for value and byte for byte', () => {
    fc.assert(
      fc.property(arbMessage(dialect), (input) => {
        const bytes = encodeMessage(dialect, input);
        const decoded = decodeMessage(dialect, bytes);
        expect(decoded.mti).toBe(input.mti);
        expect({ ...decoded.fields }).toEqual(input.fields);
        expect(encodeMessage(dialect, decoded).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('turns random bytes into a message or an ISO8583 PosError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeOrPosError(dialect, bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('turns random bytes behind a valid MTI and bitmap into a message or an ISO8583 PosError', () => {
    const head = encodeMessage(dialect, { mti: '0200', fields: {} }).subarray(0, dialect.mtiEncoding === 'bcd' ? 2 : 4);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 300 }), (bytes) => {
        decodeOrPosError(dialect, Buffer.concat([head, bytes]));
      }),
      { numRuns: 1000 },
    );
  });

  it('turns mutated and truncated valid messages into a message or an ISO8583 PosError', () => {
    const base = DIALECT_VECTORS.filter((v) => v.dialect.name === dialect.name).map((v) => v.bytes);
    fc.assert(
      fc.property(mutatedMessages(base, 12), (bytes) => {
        decodeOrPosError(dialect, bytes);
      }),
      { numRuns: 1000 },
    );
  });
});
