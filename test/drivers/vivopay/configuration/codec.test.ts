/**
 * The configuration data codecs (drivers/vivopay/configuration/*-records.ts):
 * every encoder's output decodes to what went in, and every decoder given
 * random bytes returns a value or throws READER_CONFIG_MALFORMED, nothing
 * else (STYLE.md "Tests").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAidList,
  decodeApplicationData,
  decodeCapk,
  decodeCapkList,
  decodeContactlessCapkHash,
  decodeRidList,
  decodeSetApplicationData,
  decodeTlvList,
  encodeAidList,
  encodeApplicationData,
  encodeCapk,
  encodeCapkList,
  encodeTlvList,
  type TlvItem,
} from '../../../../drivers/vivopay/configuration/contact-records.js';
import { decodeContactlessAids, decodeGroups, encodeContactlessAid, encodeGroup } from '../../../../drivers/vivopay/configuration/contactless-records.js';
import { thrownOrNone } from '../../../pos-error.js';

/** Primitive tags of the kinds the reader uses: one byte (5F-less), two (9Fxx, DFxx) and three (DFEExx, DF81xx). */
const tagArb = fc.oneof(
  fc.constantFrom('5A', '82', '84', '95', '9C'),
  fc.integer({ min: 0x01, max: 0x7f }).map((b) => `9F${b.toString(16).toUpperCase().padStart(2, '0')}`),
  fc.integer({ min: 0x01, max: 0x7f }).map((b) => `DFEE${b.toString(16).toUpperCase().padStart(2, '0')}`),
  fc.integer({ min: 0x01, max: 0x7f }).map((b) => `DF81${b.toString(16).toUpperCase().padStart(2, '0')}`),
);
const tlvArb: fc.Arbitrary<TlvItem> = fc.record({ tag: tagArb, value: fc.uint8Array({ maxLength: 40 }).map((v) => Buffer.from(v)) });
const tlvsArb = fc.array(tlvArb, { maxLength: 12 });
const aidArb = fc.uint8Array({ minLength: 5, maxLength: 16 }).map((v) => Buffer.from(v));
const groupArb = fc.integer({ min: 0, max: 255 });
const capkArb = fc.record({
  rid: fc.uint8Array({ minLength: 5, maxLength: 5 }).map((v) => Buffer.from(v)),
  index: fc.integer({ min: 0, max: 255 }),
  exponent: fc.constantFrom(Buffer.from([0x03]), Buffer.from([0x01, 0x00, 0x01])),
  modulus: fc.uint8Array({ minLength: 1, maxLength: 248 }).map((v) => Buffer.from(v)),
  hash: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((v) => Buffer.from(v)),
});

function onlyMalformed(decodeBytes: (data: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      const error = thrownOrNone(() => decodeBytes(data));
      if (error !== undefined) expect(error.code).toBe('READER_CONFIG_MALFORMED');
    }),
  );
}

describe('the configuration data codecs', () => {
  it('terminal data: [count L][count H][TLV…] round trips', () => {
    fc.assert(
      fc.property(tlvsArb, (tlvs) => {
        expect(decodeTlvList('retrieveTerminalData', encodeTlvList(tlvs))).toEqual(tlvs);
      }),
    );
  });

  it('application data round trips, in 60-03\'s form and in the 60-01 answer\'s either form', () => {
    fc.assert(
      fc.property(aidArb, tlvsArb, (aid, tlvs) => {
        const data = encodeApplicationData({ aid, tlvs });
        expect(decodeSetApplicationData('setApplicationData', data)).toEqual({ aid, tlvs });
        expect(decodeApplicationData('retrieveApplicationData', data, aid)).toEqual({ aid, tlvs });
        expect(decodeApplicationData('retrieveApplicationData', encodeTlvList(tlvs), aid)).toEqual({ aid, tlvs });
      }),
    );
  });

  it('the AID list round trips', () => {
    fc.assert(
      fc.property(fc.array(aidArb, { maxLength: 16 }), (aids) => {
        expect(decodeAidList('retrieveAidList', encodeAidList(aids))).toEqual(aids);
      }),
    );
  });

  it('a CA key record and the key list round trip', () => {
    fc.assert(
      fc.property(capkArb, (key) => {
        expect(decodeCapk('retrieveCaPublicKey', encodeCapk(key))).toEqual(key);
        expect(decodeCapkList('retrieveCaPublicKeyList', encodeCapkList([key, key]))).toEqual([
          { rid: key.rid, index: key.index },
          { rid: key.rid, index: key.index },
        ]);
      }),
    );
  });

  it('contactless groups and AIDs round trip through a "get all" run', () => {
    const groupsArb = fc.array(fc.record({ group: groupArb, tlvs: fc.array(tlvArb.filter((t) => t.tag !== 'DFEE2D'), { maxLength: 6 }) }), { maxLength: 5 });
    fc.assert(
      fc.property(groupsArb, (groups) => {
        expect(decodeGroups('getAllGroups', Buffer.concat(groups.map(encodeGroup)))).toEqual(groups);
      }),
    );
    const aidsArb = fc.array(fc.record({ aid: aidArb, group: groupArb, tlvs: fc.array(tlvArb.filter((t) => t.tag !== 'DFEE2D' && t.tag !== '9F06'), { maxLength: 4 }) }), { maxLength: 5 });
    fc.assert(
      fc.property(aidsArb, (aids) => {
        expect(decodeContactlessAids('getAllAids', Buffer.concat(aids.map(encodeContactlessAid)))).toEqual(aids);
      }),
    );
  });

  it.each([
    ['terminal data', (d: Uint8Array) => decodeTlvList('retrieveTerminalData', d)],
    ['application data (60-03)', (d: Uint8Array) => decodeSetApplicationData('setApplicationData', d)],
    ['application data (60-01)', (d: Uint8Array) => decodeApplicationData('retrieveApplicationData', d, Buffer.from('A0000000031010', 'hex'))],
    ['the AID list', (d: Uint8Array) => decodeAidList('retrieveAidList', d)],
    ['a CA key', (d: Uint8Array) => decodeCapk('retrieveCaPublicKey', d)],
    ['the CA key list', (d: Uint8Array) => decodeCapkList('retrieveCaPublicKeyList', d)],
    ['all groups', (d: Uint8Array) => decodeGroups('getAllGroups', d)],
    ['a contactless key hash', (d: Uint8Array) => decodeContactlessCapkHash('getContactlessCaKeyHash', d)],
    ['the contactless RIDs', (d: Uint8Array) => decodeRidList('getContactlessCaRids', d)],
    ['all contactless AIDs', (d: Uint8Array) => decodeContactlessAids('getAllAids', d)],
  ])('%s from random bytes: a value or READER_CONFIG_MALFORMED', (_name, decodeBytes) => {
    onlyMalformed(decodeBytes);
  });

  it.each([
    ['a tag count that is not the number of TLVs', () => decodeTlvList('retrieveTerminalData', Buffer.from('02009F1A020250', 'hex')), 'retrieveTerminalData', 0],
    ['a key list that is not whole 6-byte entries', () => decodeCapkList('retrieveCaPublicKeyList', Buffer.from('A00000000392A0', 'hex')), 'retrieveCaPublicKeyList', 6],
    ['an exponent of 5', () => decodeCapk('retrieveCaPublicKeyList', Buffer.concat([Buffer.alloc(8, 1), Buffer.alloc(20), Buffer.from('00000005', 'hex'), Buffer.from('0100', 'hex'), Buffer.alloc(1)])), 'retrieveCaPublicKeyList', 28],
    ['a group run that starts with an AID', () => decodeContactlessAids('getAllAids', Buffer.from('9F0607A0000000031010', 'hex')), 'getAllAids', 0],
  ])('names the command and the offset: %s', (_name, fn, command, offset) => {
    const error = thrownOrNone(fn);
    expect(error?.code).toBe('READER_CONFIG_MALFORMED');
    expect(error?.details).toMatchObject({ command, offset });
  });
});
