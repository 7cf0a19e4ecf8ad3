import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { panField16, panField8 } from '../../src/crypto/pin-block/digits.js';
import { decryptPinBlock, encryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import { decodePinBlock, encodePinBlock } from '../../src/crypto/pin-block/iso-0-1-3.js';
import {
  decodeFormat4PinField,
  decryptFormat4,
  decryptFormat4Field,
  encodeFormat4PinField,
  encryptFormat4,
} from '../../src/crypto/pin-block/iso-4.js';
import { hex, loadVectors, toHexUpper } from './vectors.js';
import { thrown, thrownOrNone } from '../pos-error.js';

interface Row {
  id: string;
  pin: string;
  pan?: string;
  fill?: string;
  pinBlock: string;
}
interface Invalid {
  id: string;
  pinBlock: string;
  pan: string;
  reason: string;
}
interface Format4 {
  id: string;
  key?: string;
  pin?: string;
  pan: string;
  pinField?: string;
  panField?: string;
  encryptedPinBlock?: string;
}
const v = loadVectors<{ format0: Row[]; format1: Row[]; format3: Row[]; format0Invalid: Invalid[]; format4: Format4[] }>('crypto-pin-blocks.json');

const pinArb = fc.stringMatching(/^[0-9]{4,12}$/);
const panArb = fc.stringMatching(/^[0-9]{13,19}$/);
const bytesSource = (seed: Uint8Array) => (n: number) => Uint8Array.from({ length: n }, (_, i) => seed[i % seed.length] ?? 0);

describe('ISO 9564-1 format 0', () => {
  it.each(v.format0.map((r) => [r.id, r] as const))('%s: encodes and decodes', (_id, r) => {
    expect(toHexUpper(encodePinBlock({ format: 0, pin: r.pin, pan: r.pan! }))).toBe(r.pinBlock);
    expect(decodePinBlock(hex(r.pinBlock), 0, r.pan)).toBe(r.pin);
  });

  it.each(v.format0Invalid.map((r) => [r.id, r] as const))('rejects a block with %s', (_id, r) => {
    const err = thrown(() => decodePinBlock(hex(r.pinBlock), 0, r.pan));
    expect(err.code).toBe('PIN_BLOCK_INVALID');
    expect(err.details).toEqual({ format: 0, reason: r.reason });
  });

  it('takes the 12 rightmost PAN digits before the check digit', () => {
    expect(toHexUpper(panField8('4012345678909'))).toBe('0000401234567890');
    expect(toHexUpper(panField8('1234567890123456789'))).toBe('0000789012345678');
  });
});

describe('ISO 9564-1 format 1', () => {
  it.each(v.format1.map((r) => [r.id, r] as const))('%s: encodes with the given fill and decodes', (_id, r) => {
    expect(toHexUpper(encodePinBlock({ format: 1, pin: r.pin, fill: r.fill! }))).toBe(r.pinBlock);
    expect(decodePinBlock(hex(r.pinBlock), 1)).toBe(r.pin);
  });

  it('draws fill digits from the injected random source', () => {
    const block = encodePinBlock({ format: 1, pin: '1234', fill: () => Uint8Array.from([0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3]) });
    expect(toHexUpper(block)).toBe('141234ABCDEF0123');
  });
});

describe('ISO 9564-1 format 3', () => {
  it.each(v.format3.map((r) => [r.id, r] as const))('%s: encodes with the given fill and decodes', (_id, r) => {
    expect(toHexUpper(encodePinBlock({ format: 3, pin: r.pin, pan: r.pan!, fill: r.fill! }))).toBe(r.pinBlock);
    expect(decodePinBlock(hex(r.pinBlock), 3, r.pan)).toBe(r.pin);
  });

  it('only ever fills with A–F from a random source', () => {
    fc.assert(
      fc.property(pinArb, fc.uint8Array({ minLength: 10, maxLength: 10 }), (pin, seed) => {
        const block = encodePinBlock({ format: 3, pin, pan: '4012345678909', fill: bytesSource(seed) });
        const field = toHexUpper(Buffer.from(block.map((b, i) => b ^ (panField8('4012345678909')[i] ?? 0))));
        expect(field.slice(2 + pin.length)).toMatch(/^[A-F]*$/);
      }),
    );
  });

  it('rejects a fill digit outside A–F', () => {
    // 341234FFFFFFFFFF with its last nibble made 9 and the PAN field applied.
    const err = thrown(() => decodePinBlock(hex('341261AAAAEDCBA0'), 3, '5555555551234567'));
    expect(err).toMatchObject({ code: 'PIN_BLOCK_INVALID', details: { format: 3, reason: 'fill' } });
  });
});

describe('ISO 9564-1 format 4 (AES)', () => {
  const encrypting = v.format4.filter((r) => r.pinField !== undefined && r.encryptedPinBlock !== undefined);
  it.each(encrypting.map((r) => [r.id, r] as const))('%s: builds the fields and enciphers', (_id, r) => {
    const field = encodeFormat4PinField(r.pin!, r.pinField!.slice(16));
    expect(toHexUpper(field)).toBe(r.pinField);
    expect(toHexUpper(panField16(r.pan))).toBe(r.panField);
    expect(toHexUpper(encryptFormat4(hex(r.key!), field, r.pan))).toBe(r.encryptedPinBlock);
    expect(toHexUpper(decryptFormat4Field(hex(r.key!), hex(r.encryptedPinBlock!), r.pan))).toBe(r.pinField);
  });

  const deciphering = v.format4.filter((r) => r.key !== undefined && r.encryptedPinBlock !== undefined);
  it.each(deciphering.map((r) => [r.id, r] as const))('%s: deciphers to the PIN', (_id, r) => {
    expect(decryptFormat4(hex(r.key!), hex(r.encryptedPinBlock!), r.pan)).toBe(r.pin);
  });

  it.each(v.format4.filter((r) => r.panField !== undefined).map((r) => [r.id, r] as const))('%s: PAN field', (_id, r) => {
    expect(toHexUpper(panField16(r.pan))).toBe(r.panField);
  });

  it('rejects a PIN field whose fill is not A', () => {
    const err = thrown(() => decodeFormat4PinField(hex('441234AAAAAAAAAB2F69ADDE2E9E7ACE')));
    expect(err).toMatchObject({ code: 'PIN_BLOCK_INVALID', details: { format: 4, reason: 'fill' } });
  });
});

describe('PIN block round trips (fast-check)', () => {
  const key16 = hex('0123456789ABCDEFFEDCBA9876543210');
  it.each([0, 1, 3] as const)('format %i: encrypt → decrypt is the identity', (format) => {
    fc.assert(
      fc.property(pinArb, panArb, fc.uint8Array({ minLength: 1, maxLength: 16 }), (pin, pan, seed) => {
        const epb = encryptPinBlock(key16, { format, pin, pan, fill: bytesSource(seed) });
        expect(decryptPinBlock(key16, epb, format, pan)).toBe(pin);
      }),
    );
  });

  it('format 4: encrypt → decrypt is the identity', () => {
    fc.assert(
      fc.property(pinArb, fc.stringMatching(/^[0-9]{1,19}$/), fc.uint8Array({ minLength: 8, maxLength: 8 }), (pin, pan, seed) => {
        const field = encodeFormat4PinField(pin, () => seed);
        expect(decryptFormat4(key16, encryptFormat4(key16, field, pan), pan)).toBe(pin);
      }),
    );
  });

  it('decoding random bytes gives a PIN or a PosError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.constantFrom<0 | 1 | 3>(0, 1, 3), (block, format) => {
        const error = thrownOrNone(() => expect(decodePinBlock(block, format, '4012345678909')).toMatch(/^[0-9]{4,12}$/));
        if (error !== undefined) expect(error.code).toBe('PIN_BLOCK_INVALID');
      }),
    );
  });
});

describe('PIN and PAN checks', () => {
  it.each([
    ['too short', '123', { lengthDigits: 3, digitsOnly: true }],
    ['too long', '1234567890123', { lengthDigits: 13, digitsOnly: true }],
    ['not digits', '12a4', { lengthDigits: 4, digitsOnly: false }],
  ])('refuses a PIN that is %s, without echoing it', (_name, pin, details) => {
    const err = thrown(() => encodePinBlock({ format: 0, pin, pan: '4012345678909' }));
    expect(err.code).toBe('PIN_INVALID');
    expect(err.details).toEqual(details);
    expect(err.message).not.toContain(pin);
  });

  it('refuses a short PAN for format 0 without echoing it', () => {
    const err = thrown(() => encodePinBlock({ format: 0, pin: '1234', pan: '555555555123' }));
    expect(err.code).toBe('PAN_INVALID');
    expect(err.details).toMatchObject({ lengthDigits: 12, minDigits: 13 });
    expect(err.message).not.toContain('555555555123');
  });

  it('refuses fill digits that break the format', () => {
    const err = thrown(() => encodePinBlock({ format: 3, pin: '1234', pan: '4012345678909', fill: '0123456789' }));
    expect(err.code).toBe('CRYPTO_INPUT_LENGTH');
    expect(err.details).toMatchObject({ what: 'fill', expectedDigits: 10 });
  });
});
