/**
 * The data an application cryptogram (ARQC) is computed over, EMV 4.4 Book 2
 * §8.1.1 (recommended minimum set of data elements), in this order:
 *
 *   9F02 amount authorised (6)     9F03 amount other (6)
 *   9F1A terminal country (2)      95   TVR (5)
 *   5F2A currency (2)              9A   transaction date (3)
 *   9C   transaction type (1)      9F37 unpredictable number (4)
 *   82   AIP (2)                   9F36 ATC (2)
 *   CVR from 9F10 issuer application data
 *
 * `arqcData` is the `visa-cvn10` cryptogram version's input, with the CVR
 * as the Visa-style 9F10 carries it:
 *
 *   9F10 = [length 06][DKI 1][CVN 0A][CVR 4: 03 ‖ 3 bytes] …
 *
 * so the CVR is bytes 3–6 of 9F10. The MAC is ISO 9797-1 algorithm 3 with
 * padding method 2 under the EMV common session key (Book 2 A1.3.1, R = ATC).
 * Both versions, the Mastercard-style one included, cover `ARQC_DATA_TAGS`:
 * `cryptogram-versions.ts`, which the card and the bank-host simulator use.
 */
import { PosError } from '../../src/util/errors.js';

export const ARQC_DATA_TAGS = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '82', '9F36'] as const;
export const ISSUER_APPLICATION_DATA_TAG = '9F10';
export const IAD_CVR_OFFSET = 3;
export const CVR_BYTES = 4;
/** ISO 9797-1 padding method 2 for the ARQC. */
export const ARQC_PADDING = 2;

/** The ARQC input from a tag → value map; undefined when a data element is missing or 9F10 is too short. */
export function arqcData(data: ReadonlyMap<string, Uint8Array>): Buffer | undefined {
  const parts: Uint8Array[] = [];
  for (const tag of ARQC_DATA_TAGS) {
    const value = data.get(tag);
    if (value === undefined) return undefined;
    parts.push(value);
  }
  const iad = data.get(ISSUER_APPLICATION_DATA_TAG);
  if (iad === undefined || iad.length < IAD_CVR_OFFSET + CVR_BYTES) return undefined;
  parts.push(iad.subarray(IAD_CVR_OFFSET, IAD_CVR_OFFSET + CVR_BYTES));
  return Buffer.concat(parts);
}

/** Like `arqcData`, for a card that must produce one: throws `INTERNAL` naming the tag set when data is missing. */
export function requireArqcData(data: ReadonlyMap<string, Uint8Array>): Buffer {
  const out = arqcData(data);
  if (out === undefined) throw new PosError('INTERNAL', 'ARQC data is incomplete', { where: 'arqc-data', tags: [...ARQC_DATA_TAGS, ISSUER_APPLICATION_DATA_TAG] });
  return out;
}
