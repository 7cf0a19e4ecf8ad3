/**
 * The terminal's side of what the simulator's issuer verifies, under the
 * simulation keys: PIN blocks from a virtual PIN pad and chip data with an
 * ARQC from a virtual card. Shared by the ISO 8583 and the JSON gateway
 * tests, which must agree with the same issuer core.
 */
import { ARQC_PADDING, requireArqcData } from '../../hw-mocks/chip-card/arqc-data.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { generateArqc } from '../../src/crypto/emv/cryptogram.js';
import { deriveAcSessionKey } from '../../src/crypto/emv/session-key.js';
import { deriveTdesIpek, tdesWorkingKey } from '../../src/crypto/dukpt/tdes.js';
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { encryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import type { PinEntryResult } from '../../src/devices/pin-pad.js';
import { encode, type TlvInput } from '../../src/emv/ber-tlv.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { deckCard } from './helpers.js';

export const KEYS = loadSimulationKeys();

/** A virtual PIN pad: TDES DUKPT from the shared BDK, ISO 9564 format 0. Each pad starts at the initial KSN. */
export function pinPad(): (pin: string, pan: string) => PinEntryResult {
  const originator = new TdesDukptOriginator(deriveTdesIpek(KEYS.tdesBdk, KEYS.tdesInitialKsn), KEYS.tdesInitialKsn);
  return (pin, pan) => {
    const { ksn, transactionKey } = originator.nextTransaction();
    const block = encryptPinBlock(tdesWorkingKey(transactionKey, 'pin'), { format: 0, pin, pan });
    return { pinBlock: Sensitive.of('pin-block', block), ksn, format: 'iso0' };
  };
}

export interface ChipReadOptions {
  /** Application Transaction Counter (9F36); default 7. */
  readonly atc?: number;
  /** Change the amount after the ARQC was computed, as a tampering terminal would. */
  readonly tamper?: boolean;
}

/** Chip data as a virtual card would give it, with an ARQC under the card's keys (EMV Book 2, option A, common session key). */
export function chipRead(cardId: string, amountMinor: number, options: ChipReadOptions = {}): { tlv: Buffer; sessionKey: Buffer; arqc: Buffer } {
  const card = deckCard(cardId);
  const imk = KEYS.issuerMasterKey(cardId);
  if (imk === undefined) throw new Error(`no IMK for ${cardId}`);
  const atc = options.atc ?? 7;
  const atcBytes = Buffer.from([atc >> 8, atc & 0xff]);
  const data = new Map<string, Uint8Array>([
    ['9F02', Buffer.from(String(amountMinor).padStart(12, '0'), 'hex')],
    ['9F03', Buffer.alloc(6)],
    ['9F1A', Buffer.from('0250', 'hex')],
    ['95', Buffer.from('0000008000', 'hex')],
    ['5F2A', Buffer.from('0978', 'hex')],
    ['9A', Buffer.from('260615', 'hex')],
    ['9C', Buffer.from('00', 'hex')],
    ['9F37', Buffer.from('1A2B3C4D', 'hex')],
    ['82', Buffer.from('1800', 'hex')],
    ['9F36', atcBytes],
    ['9F10', Buffer.from('06010A03A00000', 'hex')],
  ]);
  const sessionKey = deriveAcSessionKey('emv', deriveCardMasterKey(imk, card.pan, '01', 'A'), atcBytes);
  const arqc = generateArqc(sessionKey, requireArqcData(data), ARQC_PADDING);
  if (options.tamper === true) data.set('9F02', Buffer.from(String(amountMinor + 1).padStart(12, '0'), 'hex'));
  const nodes: TlvInput[] = [
    { tag: '5A', value: Buffer.from(card.pan, 'hex') },
    { tag: '5F34', value: Buffer.from('01', 'hex') },
    ...[...data].map(([tag, value]) => ({ tag, value })),
    { tag: '9F26', value: arqc },
    { tag: '9F27', value: Buffer.from('80', 'hex') },
  ];
  return { tlv: encode(nodes), sessionKey, arqc };
}
