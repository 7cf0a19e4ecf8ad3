/**
 * Issuer script commands with secure messaging for integrity, as the virtual
 * chip cards accept them and the bank-host simulator sends them (EMV 4.4
 * Book 3 §6.5 and §10.10, Book 2 §9.2 format 1). The commands:
 *
 *   APPLICATION BLOCK    84 1E 00 00 Lc MAC          the application answers SELECT with 62 83 and GENERATE AC with AAC
 *   APPLICATION UNBLOCK  84 18 00 00 Lc MAC
 *   CARD BLOCK           84 16 00 00 Lc MAC          every SELECT answers 6A 81
 *   PUT DATA             04 DA tag(2) Lc value ‖ MAC  9F14 or 9F23 (the offline limits)
 *
 * The MAC (Book 2 §9.2.1, simplified for the simulation and documented
 * here): the leftmost 4 bytes of ISO 9797-1 MAC algorithm 3, padding
 * method 2, over CLA ‖ INS ‖ P1 ‖ P2 ‖ Lc ‖ ATC ‖ ARQC ‖ value, where Lc
 * counts the value and the MAC, ATC and ARQC are the transaction's.
 * Keys: the simulation holds one issuer master key per card, so the secure
 * messaging issuer master key is its variant IMK ⊕ F0…F0; the card's
 * MK_SMI is derived from it by option A (Book 2 A1.4.1) and the session
 * key by the EMV common session key derivation (A1.3.1) with R = ARQC.
 *
 * An issuer script (Book 3 Annex A, tags 71 and 72):
 *   71|72 L [9F18 04 script identifier] [86 L command]…
 */
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { deriveCommonSessionKey } from '../../src/crypto/emv/session-key.js';
import { macIso9797Alg3 } from '../../src/crypto/mac/iso9797.js';
import { encode } from '../../src/emv/ber-tlv.js';
import { constantTimeEqual, wipe } from '../../src/util/bytes.js';

export const SCRIPT_MAC_BYTES = 4;
/** The variant that turns the card's AC issuer master key into its secure messaging one. */
export const SMI_KEY_VARIANT = 0xf0;

export const SCRIPT_COMMAND_CODES = {
  applicationBlock: { cla: 0x84, ins: 0x1e },
  applicationUnblock: { cla: 0x84, ins: 0x18 },
  cardBlock: { cla: 0x84, ins: 0x16 },
  putData: { cla: 0x04, ins: 0xda },
} as const;

/** The data objects PUT DATA may change on these cards: the consecutive offline limits. */
export const PUT_DATA_TAGS: ReadonlySet<string> = new Set(['9F14', '9F23']);

export type ScriptCommand =
  | { readonly kind: 'application-block' }
  | { readonly kind: 'application-unblock' }
  | { readonly kind: 'card-block' }
  | { readonly kind: 'put-data'; readonly tag: string; readonly value: Buffer };

export interface ScriptHeader {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
}

/** MK_SMI, the card's secure messaging master key, from its AC issuer master key (the caller wipes it). */
export function smiMasterKey(issuerMasterKey: Uint8Array, pan: string, psn: string): Buffer {
  const imkSmi = Buffer.from(issuerMasterKey.map((b) => b ^ SMI_KEY_VARIANT));
  try {
    return deriveCardMasterKey(imkSmi, pan, psn, 'A');
  } finally {
    wipe(imkSmi);
  }
}

/** SK_SMI for one transaction: R = the ARQC (the caller wipes it). */
export function smiSessionKey(smiMasterKeyBytes: Uint8Array, arqc: Uint8Array): Buffer {
  return deriveCommonSessionKey(smiMasterKeyBytes, arqc);
}

/** The 4-byte MAC of a script command carrying `value` (empty for the blocks). */
export function scriptMac(sessionKey: Uint8Array, header: ScriptHeader, atc: Uint8Array, arqc: Uint8Array, value: Uint8Array): Buffer {
  const lc = value.length + SCRIPT_MAC_BYTES;
  const input = Buffer.concat([Buffer.from([header.cla, header.ins, header.p1, header.p2, lc]), atc, arqc, value]);
  return macIso9797Alg3(sessionKey, input, 2).subarray(0, SCRIPT_MAC_BYTES);
}

/** Whether a received command's last 4 data bytes are the MAC of the rest. */
export function scriptMacValid(sessionKey: Uint8Array, header: ScriptHeader, atc: Uint8Array, arqc: Uint8Array, data: Uint8Array): boolean {
  if (data.length < SCRIPT_MAC_BYTES) return false;
  const value = data.subarray(0, data.length - SCRIPT_MAC_BYTES);
  const expected = scriptMac(sessionKey, header, atc, arqc, value);
  return constantTimeEqual(expected, data.subarray(data.length - SCRIPT_MAC_BYTES));
}

/** A whole script command APDU, MAC'd (the issuer's side). */
export function scriptCommandApdu(sessionKey: Uint8Array, command: ScriptCommand, atc: Uint8Array, arqc: Uint8Array): Buffer {
  let header: ScriptHeader;
  let value: Buffer = Buffer.alloc(0);
  switch (command.kind) {
    case 'application-block':
      header = { ...SCRIPT_COMMAND_CODES.applicationBlock, p1: 0, p2: 0 };
      break;
    case 'application-unblock':
      header = { ...SCRIPT_COMMAND_CODES.applicationUnblock, p1: 0, p2: 0 };
      break;
    case 'card-block':
      header = { ...SCRIPT_COMMAND_CODES.cardBlock, p1: 0, p2: 0 };
      break;
    case 'put-data': {
      const tag = Buffer.from(command.tag, 'hex');
      header = { ...SCRIPT_COMMAND_CODES.putData, p1: tag[0] ?? 0, p2: tag[1] ?? 0 };
      value = command.value;
      break;
    }
  }
  const mac = scriptMac(sessionKey, header, atc, arqc, value);
  return Buffer.from([header.cla, header.ins, header.p1, header.p2, value.length + SCRIPT_MAC_BYTES, ...value, ...mac]);
}

/** An issuer script template: 71 (before the second GENERATE AC) or 72 (after it). */
export function issuerScriptTemplate(template: '71' | '72', scriptIdentifier: Buffer, commands: readonly Buffer[]): Buffer {
  return encode([{ tag: template, children: [{ tag: '9F18', value: scriptIdentifier }, ...commands.map((c) => ({ tag: '86', value: c }))] }]);
}
