/**
 * A virtual Visa-style contactless card (qVSDC), the card side of EMV
 * Contactless Book C-3 (Kernel 3): GET PROCESSING OPTIONS answers with the
 * application cryptogram and the online data in one go; the reader then
 * reads the records and the card may leave the field. No GENERATE AC.
 *
 *   GET PROCESSING OPTIONS   80 A8 00 00 Lc 83 L pdol-data 00
 *     → 77 [82 AIP] [94 AFL] [57] [5F34] [9F10 IAD] [9F26 AC] [9F27 CID] [9F36 ATC] [9F6C CTQ] [9F6E]? 9000
 *     69 85  the reader does not support qVSDC (TTQ byte 1 b6)
 *     69 86  a phone whose holder has not verified on the device yet (Book C-3: the
 *            reader shows "see phone" and asks for the tap again)
 *
 * What the card reads of the Terminal Transaction Qualifiers 9F66 (Book C-3 Annex A):
 *   byte 1  b6 qVSDC supported, b4 offline-only reader, b3 online PIN, b2 signature
 *   byte 2  b8 online cryptogram required, b7 CVM required
 *   byte 3  b7 consumer device CVM supported
 * and what it says in the Card Transaction Qualifiers 9F6C (its profile's CTQ
 * with the CVM bits decided here): byte 1 b8 online PIN required, b7
 * signature required; byte 2 b8 consumer device CVM performed.
 *
 * Its decision: AAC when `declineAlways` (or offline-only reader that needs
 * one online); ARQC when the reader asks for an online cryptogram; TC when
 * the profile approves offline and the consecutive offline count is below
 * 9F14; ARQC otherwise. The cryptogram is the `visa-cvn17` version's.
 *
 * fDDA (a card personalised with it, AIP byte 1 b6): for a TC — and for an
 * ARQC when the TTQ says the reader does ODA for online (byte 1 b1) — the
 * answer also carries 9F69 Card Authentication Related Data (fDDA version
 * 01 ‖ card unpredictable number 4 ‖ CTQ 2) and 9F4B, Book 2 Table 17's
 * signed dynamic data with the ATC as ICC dynamic number, hashed over the
 * terminal dynamic data 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69 (Book C-3's fDDA).
 */
import { encodeOne, type TlvInput } from '../../src/emv/ber-tlv.js';
import type { CardCommand } from './command-apdu.js';
import { CLA, ContactlessCard, INS, ok, sw, SW_CONDITIONS_OF_USE, type ContactlessCardOptions } from './contactless-card.js';
import { personaliseContactless, type ContactlessPersonaliseOptions } from './contactless-personalise.js';
import type { AcType } from './cryptogram-versions.js';
import { CARD_SW } from './emv-chip-card.js';
import { signDynamicData } from './simulation-ca.js';

/** TTQ bits (Book C-3 Annex A, Terminal Transaction Qualifiers). */
export const TTQ = {
  byte1: { qvsdc: 0x20, contactChip: 0x10, offlineOnly: 0x08, onlinePin: 0x04, signature: 0x02, odaForOnline: 0x01 },
  byte2: { onlineCryptogramRequired: 0x80, cvmRequired: 0x40 },
  byte3: { issuerUpdate: 0x80, consumerDeviceCvm: 0x40 },
} as const;

/** CTQ bits (Book C-3 Annex A, Card Transaction Qualifiers). */
export const CTQ = {
  byte1: { onlinePinRequired: 0x80, signatureRequired: 0x40, goOnlineIfOdaFails: 0x20, switchInterfaceIfOdaFails: 0x10 },
  byte2: { consumerDeviceCvmPerformed: 0x80, issuerUpdateSupported: 0x40 },
} as const;

/** fDDA version 01 and its card unpredictable number (9F69). */
const FDDA_VERSION = 0x01;
const CARD_UN_BYTES = 4;

/** The GPO response's data objects, in order, after 82 and 94 (those a record repeats are left to the record). */
const ONLINE_DATA_TAGS = ['57', '5F34'] as const;

export class QvsdcCard extends ContactlessCard {
  /** A phone: the holder verified on the device (fingerprint, passcode) for the next tap. */
  #verifiedOnDevice: boolean;

  constructor(...args: ConstructorParameters<typeof ContactlessCard>) {
    super(...args);
    this.#verifiedOnDevice = this.image.profile.deviceVerification === 'done';
  }

  /** The holder unlocks the phone after "see phone": its next tap carries consumer-device CVM. */
  verifyOnDevice(): void {
    this.#verifiedOnDevice = true;
  }

  protected kernelCommand(c: CardCommand): Buffer | undefined {
    if (c.cla === CLA.emv && c.ins === INS.gpo) return this.#getProcessingOptions(c);
    return undefined;
  }

  #getProcessingOptions(c: CardCommand): Buffer {
    const start = this.initiate(c);
    if ('sw' in start) return sw(start.sw);
    const { values, atc } = start;
    const ttq = values.get('9F66') as Buffer;
    const [t1, t2, t3] = [ttq[0] as number, ttq[1] as number, ttq[2] as number];
    if ((t1 & TTQ.byte1.qvsdc) === 0) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const cvmRequired = (t2 & TTQ.byte2.cvmRequired) !== 0;
    const phone = this.image.profile.cvm === 'cdcvm';
    const cdcvmHere = phone && (t3 & TTQ.byte3.consumerDeviceCvm) !== 0;
    if (cdcvmHere && cvmRequired && !this.#verifiedOnDevice) return sw(SW_CONDITIONS_OF_USE);

    const offlineOnly = (t1 & TTQ.byte1.offlineOnly) !== 0;
    const requested: AcType = (t2 & TTQ.byte2.onlineCryptogramRequired) !== 0 ? (offlineOnly ? 'AAC' : 'ARQC') : 'TC';
    const limits = this.limits(atc);
    const ctq = this.#ctq(cvmRequired, cdcvmHere);
    let type = this.decide(requested, limits);
    if (type === 'TC' && ((ctq[0] as number) & CTQ.byte1.onlinePinRequired) !== 0) type = 'ARQC'; // an online PIN goes online
    if (type === 'ARQC' && offlineOnly) type = 'AAC';
    this.started(values, atc);
    if (cdcvmHere && cvmRequired && this.image.profile.deviceVerification === 'on-request') this.#verifiedOnDevice = false;

    const { iad, ac, cid } = this.cryptogram(type, atc, values, limits);
    const data = this.image.data;
    const objects: TlvInput[] = [
      { tag: '82', value: data.get('82') as Buffer },
      { tag: '94', value: data.get('94') as Buffer },
      ...ONLINE_DATA_TAGS.flatMap((tag) => (data.has(tag) ? [{ tag, value: data.get(tag) as Buffer }] : [])),
      { tag: '9F10', value: iad },
      { tag: '9F26', value: ac },
      { tag: '9F27', value: cid },
      { tag: '9F36', value: atc },
      { tag: '9F6C', value: ctq },
    ];
    const ffi = data.get('9F6E');
    if (ffi !== undefined) objects.push({ tag: '9F6E', value: ffi });
    const iccKey = this.image.iccKey;
    if (iccKey !== undefined && (type === 'TC' || (type === 'ARQC' && (t1 & TTQ.byte1.odaForOnline) !== 0))) {
      const cardData = Buffer.concat([Buffer.from([FDDA_VERSION]), this.random(CARD_UN_BYTES), ctq]);
      const terminalDynamicData = Buffer.concat([values.get('9F37') as Buffer, values.get('9F02') as Buffer, values.get('5F2A') as Buffer, cardData]);
      objects.push({ tag: '9F69', value: cardData }, { tag: '9F4B', value: signDynamicData(iccKey, Buffer.concat([Buffer.from([atc.length]), atc]), terminalDynamicData) });
    }
    return ok(encodeOne({ tag: '77', children: objects }));
  }

  /** The profile's CTQ with the CVM bits this transaction needs (a phone's CDCVM only where the reader supports it). */
  #ctq(cvmRequired: boolean, cdcvmHere: boolean): Buffer {
    const base = this.image.data.get('9F6C') ?? Buffer.alloc(2);
    let byte1 = (base[0] ?? 0) & ~(CTQ.byte1.onlinePinRequired | CTQ.byte1.signatureRequired);
    let byte2 = (base[1] ?? 0) & ~CTQ.byte2.consumerDeviceCvmPerformed;
    const cvm = this.image.profile.cvm;
    if (cvmRequired && cvm === 'cdcvm' && cdcvmHere) byte2 |= CTQ.byte2.consumerDeviceCvmPerformed;
    else if (cvmRequired && cvm === 'online-pin') byte1 |= CTQ.byte1.onlinePinRequired;
    else if (cvmRequired && cvm === 'signature') byte1 |= CTQ.byte1.signatureRequired;
    return Buffer.from([byte1, byte2]);
  }
}

export function buildQvsdcCard(options: ContactlessPersonaliseOptions & ContactlessCardOptions): QvsdcCard {
  return new QvsdcCard(personaliseContactless(options), options.random === undefined ? {} : { random: options.random });
}
