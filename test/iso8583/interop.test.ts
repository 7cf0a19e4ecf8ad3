/**
 * Interoperability with the `iso_8583` npm package (its README: `new
 * iso8583(data, customFormats).getRawMessage()` packs, `getIsoJSON(buffer,
 * { lenHeader: false })` unpacks): its layout is our iso87ascii-binary-bitmap.
 *
 * Where its field table differs from ISO 8583:1987 we pass it custom formats,
 * as its README allows: DE 64/128 (it sizes the MAC in hex characters as 8,
 * i.e. 4 bytes). It carries variable-length fields as text only, so DE 53
 * and DE 55 (variable binary) are left out here; the bench notes it.
 */
import { describe, expect, it } from 'vitest';
import { iso87asciiBinaryBitmap } from '../../src/iso8583/dialects/iso87ascii-binary-bitmap.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { FieldValue } from '../../src/iso8583/types.js';
import { Peer, PEER_MAC_FORMAT, peerFields, PURCHASE_0200, type PeerFormat } from '../../bench/iso8583-peer.js';

const MAC_FORMATS: Record<string, PeerFormat> = { 64: PEER_MAC_FORMAT, 128: PEER_MAC_FORMAT };

/** Same requests written as the peer takes them: every value a string, binary as hex. */
const CASES: readonly [string, string, Readonly<Record<number, FieldValue>>][] = [
  ['magstripe purchase with PIN and MAC', '0200', PURCHASE_0200],
  ['network echo with DE 70', '0800', { 7: '0615143000', 11: '000124', 70: '301' }],
  [
    'reversal with original data elements and DE 128',
    '0420',
    { 2: '5555555555554444', 3: '000000', 4: '000000001234', 11: '000125', 39: '68', 41: 'T0000001', 90: '020000012306151430000000000000000000000000', 128: Buffer.from('A1B2C3D4E5F60718', 'hex') },
  ],
];

describe('iso_8583 npm package and iso87ascii-binary-bitmap', () => {
  it.each(CASES)('%s: the package decodes ours field by field', (_name, mti, fields) => {
    const ours = encodeMessage(iso87asciiBinaryBitmap, { mti, fields });
    const theirs = new Peer(undefined, MAC_FORMATS).getIsoJSON(ours, { lenHeader: false });
    expect(theirs).toEqual({ 0: mti, ...peerFields(fields) });
  });

  it.each(CASES)('%s: we decode what the package encodes, and encode the same bytes', (_name, mti, fields) => {
    const raw = new Peer({ 0: mti, ...peerFields(fields) }, MAC_FORMATS).getRawMessage();
    if (!Buffer.isBuffer(raw)) throw new Error(`peer could not pack: ${raw.error}`);
    const message = decodeMessage(iso87asciiBinaryBitmap, raw);
    expect(message.mti).toBe(mti);
    expect({ ...message.fields }).toEqual(fields);
    expect(encodeMessage(iso87asciiBinaryBitmap, message).equals(raw)).toBe(true);
  });
});
