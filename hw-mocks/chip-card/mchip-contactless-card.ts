/**
 * A virtual Mastercard-style contactless card (M/Chip with mag-stripe
 * mode), the card side of EMV Contactless Book C-2 (Kernel 2):
 *
 *   GET PROCESSING OPTIONS          80 A8 00 00 Lc 83 L pdol-data 00   77 [82 AIP] [94 AFL] 9000
 *   GENERATE AC (EMV mode)          80 AE P1 00 Lc cdol1-data 00       77 [9F27 CID] [9F36 ATC] [9F26 AC] [9F10 IAD] 9000;
 *                                                                       6985 before GPO, twice, or on a mag-stripe-only card
 *   COMPUTE CRYPTOGRAPHIC CHECKSUM  80 2A 8E 80 Lc udol-data 00        77 [9F61 CVC3 (Track2)] [9F36 ATC] 9000 (mag-stripe mode);
 *                                                                       6985 out of turn or without mag-stripe mode
 *
 * AIP byte 2 b8 says whether the card does EMV mode (Book C-2 A.1.6); the
 * kernel picks EMV mode when both do, mag-stripe mode otherwise. There is
 * one GENERATE AC: a contactless card leaves the field after it, so the
 * host's answer never reaches it (no second GENERATE AC, no issuer
 * authentication). CDA is not offered (AIP byte 1 b1 clear), so P1's CDA
 * bit is ignored. The cryptogram is the `mastercard-cvn15` version's, the
 * CVC3 `contactless-magstripe.ts`'s.
 */
import { encodeOne } from '../../src/emv/ber-tlv.js';
import type { CardCommand } from './command-apdu.js';
import { dolLength, dolValues } from './command-apdu.js';
import { CLA, ContactlessCard, INS, ok, sw, type ContactlessCardOptions } from './contactless-card.js';
import { computeCvc3 } from './contactless-magstripe.js';
import { personaliseContactless, type ContactlessPersonaliseOptions } from './contactless-personalise.js';
import type { AcType } from './cryptogram-versions.js';
import { CARD_SW } from './emv-chip-card.js';

const AC_TYPE_BY_P1: ReadonlyMap<number, AcType> = new Map([
  [0x00, 'AAC'],
  [0x40, 'TC'],
  [0x80, 'ARQC'],
]);
/** GENERATE AC P1 (Book 3 Table 13): b8–7 the AC type, b5 CDA; the rest RFU. */
const P1_AC_TYPE_MASK = 0xc0;
const P1_RFU_MASK = 0x2f;
/** COMPUTE CRYPTOGRAPHIC CHECKSUM's P1 P2 (Book C-2 §5.3). */
const CCC_P1 = 0x8e;
const CCC_P2 = 0x80;

export class MchipContactlessCard extends ContactlessCard {
  protected kernelCommand(c: CardCommand): Buffer | undefined {
    if (c.cla !== CLA.emv) return undefined;
    if (c.ins === INS.gpo) return this.#getProcessingOptions(c);
    if (c.ins === INS.generateAc) return this.#generateAc(c);
    if (c.ins === INS.computeCryptographicChecksum) return this.#computeCryptographicChecksum(c);
    return undefined;
  }

  #getProcessingOptions(c: CardCommand): Buffer {
    const start = this.initiate(c);
    if ('sw' in start) return sw(start.sw);
    this.started(start.values, start.atc);
    const data = this.image.data;
    return ok(encodeOne({ tag: '77', children: [{ tag: '82', value: data.get('82') as Buffer }, { tag: '94', value: data.get('94') as Buffer }] }));
  }

  #generateAc(c: CardCommand): Buffer {
    const requested = AC_TYPE_BY_P1.get(c.p1 & P1_AC_TYPE_MASK);
    if (requested === undefined || (c.p1 & P1_RFU_MASK) !== 0 || c.p2 !== 0) return sw(CARD_SW.WRONG_P1_P2);
    const { cdol1 } = this.image;
    const { session } = this;
    const atc = session.atc;
    if (cdol1 === undefined || !session.initiated || session.finished || atc === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    if (c.data.length !== dolLength(cdol1)) return sw(CARD_SW.WRONG_LENGTH);
    const terminal = new Map([...session.pdolValues, ...dolValues(cdol1, c.data)]);
    const limits = this.limits(atc);
    const type = this.decide(requested, limits);
    const { iad, ac, cid } = this.cryptogram(type, atc, terminal, limits);
    session.finished = true;
    return ok(
      encodeOne({
        tag: '77',
        children: [
          { tag: '9F27', value: cid },
          { tag: '9F36', value: atc },
          { tag: '9F26', value: ac },
          { tag: '9F10', value: iad },
        ],
      }),
    );
  }

  #computeCryptographicChecksum(c: CardCommand): Buffer {
    if (c.p1 !== CCC_P1 || c.p2 !== CCC_P2) return sw(CARD_SW.WRONG_P1_P2);
    const { udol, cvc3Key, ivCvc3 } = this.image;
    const { session } = this;
    const atc = session.atc;
    if (udol === undefined || cvc3Key === undefined || ivCvc3 === undefined || !session.initiated || session.finished || atc === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    if (c.data.length !== dolLength(udol)) return sw(CARD_SW.WRONG_LENGTH);
    const unpredictableNumber = dolValues(udol, c.data).get('9F6A') as Buffer;
    const cvc3 = computeCvc3(cvc3Key, ivCvc3, unpredictableNumber, atc);
    session.finished = true;
    return ok(encodeOne({ tag: '77', children: [{ tag: '9F61', value: Buffer.from([cvc3 >> 8, cvc3 & 0xff]) }, { tag: '9F36', value: atc }] }));
  }
}

export function buildMchipContactlessCard(options: ContactlessPersonaliseOptions & ContactlessCardOptions): MchipContactlessCard {
  return new MchipContactlessCard(personaliseContactless(options), options.random === undefined ? {} : { random: options.random });
}
