/**
 * The cardholder verification a receipt names, from CVM Results (9F34):
 * EMV 4.4 Book 3 §10.5 and Annex C3 (the CV Rule's CVM code, b6–b1 of byte 1;
 * byte 3 the result: 00 unknown, 01 failed, 02 successful). `3F` is the
 * terminal's "no CVM performed" (Book 3 §10.5, Annex A 9F34).
 *
 * A consumer-device CVM (the phone or watch verified its holder) is reported
 * as Kernel 2 reports it, `01 00 02` on a contactless read (EMV Book C-2; the
 * ViVOpay driver maps a Kernel 3 CTQ to the same): code 01 is offline
 * plaintext PIN on a contact card, which no contactless card performs.
 *
 *   code          method (Annex C3)                                    receipt
 *   00            Fail CVM processing                                  CVM FAILED
 *   01            Plaintext PIN verified by ICC                        PIN VERIFIED (contactless: DEVICE VERIFIED)
 *   02            Enciphered PIN verified online                       PIN VERIFIED (issuer-approved) / PIN ENTERED
 *   03, 05        Offline PIN by ICC and signature (paper)             PIN VERIFIED + SIGNATURE
 *   04            Enciphered PIN verified by ICC                       PIN VERIFIED
 *   1E            Signature (paper)                                    SIGNATURE
 *   1F, 3F        No CVM required / performed                          NO CVM
 *   result 01     the method failed                                    CVM FAILED
 *
 * No chip data (a swipe, a fallback, a manual entry): a PIN the cardholder
 * entered and the request carried (the journal's `onlinePin`) is PIN
 * VERIFIED (PIN ENTERED when not approved); else the stripe's CVM is the
 * signature.
 */
import type { EntryMode } from '../devices/card-reader.js';

export interface CvmWords {
  /** What the receipt says, or null for nothing known. */
  readonly text: string | null;
  /** The merchant copy gets a line to sign on. */
  readonly signature: boolean;
}

const CVM_METHOD_MASK = 0x3f;
const RESULT_FAILED = 0x01;

export function cvmWords(cvmResults: string | undefined, entryMode: EntryMode | null, approved: boolean, onlinePin = false): CvmWords {
  if (cvmResults === undefined || !/^[0-9A-Fa-f]{6}$/.test(cvmResults)) {
    // No kernel spoke (a stripe, a reader's own kernel): the PIN the cardholder entered, sent with the request, is the CVM.
    if (onlinePin) return { text: approved ? 'PIN VERIFIED' : 'PIN ENTERED', signature: false };
    const stripe = entryMode === 'swipe' || entryMode === 'fallback' || entryMode === 'manual';
    return stripe ? { text: 'SIGNATURE', signature: true } : { text: null, signature: false };
  }
  const method = Number.parseInt(cvmResults.slice(0, 2), 16) & CVM_METHOD_MASK;
  const result = Number.parseInt(cvmResults.slice(4, 6), 16);
  if (method === 0x00 || (result === RESULT_FAILED && method !== 0x3f)) return { text: 'CVM FAILED', signature: false };
  switch (method) {
    case 0x01:
      return { text: entryMode === 'contactless' || entryMode === 'contactless-magstripe' ? 'DEVICE VERIFIED' : 'PIN VERIFIED', signature: false };
    case 0x02:
      return { text: approved ? 'PIN VERIFIED' : 'PIN ENTERED', signature: false };
    case 0x03:
    case 0x05:
      return { text: 'PIN VERIFIED + SIGNATURE', signature: true };
    case 0x04:
      return { text: 'PIN VERIFIED', signature: false };
    case 0x1e:
      return { text: 'SIGNATURE', signature: true };
    case 0x1f:
    case 0x3f:
      return { text: 'NO CVM', signature: false };
    default:
      return { text: null, signature: false };
  }
}
