/**
 * The `iso_8583` npm package, the peer our ISO 8583 codec is checked and
 * measured against (its README: `new iso8583(data, customFormats)
 * .getRawMessage()` packs, `getIsoJSON(buffer, { lenHeader: false })`
 * unpacks). Typed here for the bench and the interop test alike, with the
 * purchase both send it and the form its data takes.
 */
import { createRequire } from 'node:module';
import type { FieldValue } from '../src/iso8583/types.js';

/** One entry of its field table, as `customFormats` takes it. */
export interface PeerFormat {
  ContentType: string;
  Label: string;
  LenType: string;
  MaxLen: number;
}

export interface PeerMessage {
  getRawMessage(): Buffer | { error: string };
  getIsoJSON(buffer: Buffer, config: { lenHeader: boolean }): Record<string, string> | { error: string };
}

type PeerCtor = new (data?: Record<string, string>, formats?: Record<string, PeerFormat>) => PeerMessage;

export const Peer = createRequire(import.meta.url)('iso_8583') as PeerCtor;

/** Its table sizes the MAC in hex characters as 8 (4 bytes); ISO 8583:1987 says 8 bytes. */
export const PEER_MAC_FORMAT: PeerFormat = { ContentType: 'b', Label: 'MAC', LenType: 'fixed', MaxLen: 16 };

/** A magstripe 0200 with PIN block and MAC, every field the package can carry as ISO 8583:1987 sizes it. */
export const PURCHASE_0200: Readonly<Record<number, FieldValue>> = {
  2: '4111111111111111',
  3: '000000',
  4: '000000001234',
  7: '0615143000',
  11: '000123',
  12: '163000',
  13: '0615',
  14: '3012',
  22: '021',
  25: '00',
  35: '4111111111111111=30121010000000000',
  41: 'T0000001',
  42: 'M00000000000001',
  43: 'POS TERMINAL TEST SHOP'.padEnd(38, ' ') + 'DE',
  49: '978',
  52: Buffer.from('1234567890ABCDEF', 'hex'),
  64: Buffer.from('0102030405060708', 'hex'),
};

/** Fields as the package takes and gives them: every value a string, binary as lowercase hex. */
export function peerFields(fields: Readonly<Record<number, FieldValue>>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : v.toString('hex')]));
}
