/**
 * A deck card's chip data for an online request, as a virtual card gives it:
 * the CDOL1 data with an ARQC under the card's master key (EMV Book 2 A1.3,
 * common session key; `hw-mocks/chip-card/arqc-data.ts` says which tags the
 * card MACs). One module for the host-sim bench's load and the host tests'
 * fixtures, so both send what the same issuer core verifies.
 */
import { ARQC_PADDING, requireArqcData } from '../hw-mocks/chip-card/arqc-data.js';
import { generateArqc } from '../src/crypto/emv/cryptogram.js';
import { deriveAcSessionKey } from '../src/crypto/emv/session-key.js';
import { encode } from '../src/emv/ber-tlv.js';

export interface OnlineChipOptions {
  readonly amountMinor: number;
  /** Application Transaction Counter (9F36). */
  readonly atc: number;
  /** 9F37, 4 bytes. */
  readonly unpredictableNumber: Buffer;
  /** Change the amount after the ARQC was computed, as a tampering terminal would. */
  readonly tamper?: boolean;
}

/** The card's DE 55 data (PAN, PSN 01, the CDOL1 data, 9F26 ARQC, 9F27 80) with the session key and ARQC behind it. */
export function onlineChipData(masterKey: Buffer, pan: string, options: OnlineChipOptions): { tlv: Buffer; sessionKey: Buffer; arqc: Buffer } {
  const amount = (minor: number): Buffer => Buffer.from(String(minor).padStart(12, '0'), 'hex');
  const atcBytes = Buffer.from([options.atc >> 8, options.atc & 0xff]);
  const data = new Map<string, Uint8Array>([
    ['9F02', amount(options.amountMinor)],
    ['9F03', Buffer.alloc(6)],
    ['9F1A', Buffer.from('0250', 'hex')],
    ['95', Buffer.from('0000008000', 'hex')],
    ['5F2A', Buffer.from('0978', 'hex')],
    ['9A', Buffer.from('260615', 'hex')],
    ['9C', Buffer.from('00', 'hex')],
    ['9F37', options.unpredictableNumber],
    ['82', Buffer.from('1800', 'hex')],
    ['9F36', atcBytes],
    ['9F10', Buffer.from('06010A03A00000', 'hex')],
  ]);
  const sessionKey = deriveAcSessionKey('emv', masterKey, atcBytes);
  const arqc = generateArqc(sessionKey, requireArqcData(data), ARQC_PADDING);
  if (options.tamper === true) data.set('9F02', amount(options.amountMinor + 1));
  const tlv = encode([
    { tag: '5A', value: Buffer.from(pan, 'hex') },
    { tag: '5F34', value: Buffer.from('01', 'hex') },
    ...[...data].map(([tag, value]) => ({ tag, value })),
    { tag: '9F26', value: arqc },
    { tag: '9F27', value: Buffer.from('80', 'hex') },
  ]);
  return { tlv, sessionKey, arqc };
}
