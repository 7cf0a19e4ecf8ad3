/**
 * The terminal's side of what the simulator's issuer verifies, under the
 * simulation keys: PIN blocks from a virtual PIN pad and chip data with an
 * ARQC from a virtual card. Shared by the ISO 8583 and the JSON gateway
 * tests, which must agree with the same issuer core (the chip data is the
 * host-sim bench's too: `bench/online-chip-data.ts`).
 */
import { onlineChipData } from '../../bench/online-chip-data.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { deriveTdesIpek, tdesWorkingKey } from '../../src/crypto/dukpt/tdes.js';
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { encryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import type { PinEntryResult } from '../../src/devices/pin-pad.js';
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
  const masterKey = deriveCardMasterKey(imk, card.pan, '01', 'A');
  return onlineChipData(masterKey, card.pan, { amountMinor, atc: options.atc ?? 7, unpredictableNumber: Buffer.from('1A2B3C4D', 'hex'), tamper: options.tamper === true });
}
