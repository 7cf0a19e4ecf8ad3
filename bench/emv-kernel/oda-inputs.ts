/**
 * Offline data authentication's inputs as a kernel has them at each check
 * (EMV 4.4 Book 2 §5–6), taken from a virtual card's personalisation and one
 * transaction recorded with it, so the `oda/` functions can be timed alone:
 *
 *   issuer key recovery   CAPK (table entry) + 90, 92, 9F32, 5A            §5.3 / §6.3
 *   ICC key recovery      issuer key + 9F46, 9F48, 9F47, 5A, static data   §6.4
 *   SDA signature         issuer key + 93 over the static data             §5.4
 *   DDA signature         ICC key + 9F4B from INTERNAL AUTHENTICATE, DDOL data    §6.5.2
 *   CDA signature         ICC key + 9F4B from the first GENERATE AC, 9F37, CID,
 *                         PDOL data ‖ CDOL1 data ‖ the answer's other objects     §6.6.2
 *
 * Every input is checked to verify before it is timed.
 */
import { decode, encode, type TlvNode } from '../../src/emv/ber-tlv.js';
import { recoverIccKey, recoverIssuerKey } from '../../src/emv/kernel/oda/certificates.js';
import type { RsaPublicKey } from '../../src/emv/kernel/oda/rsa.js';
import type { CapkTable } from '../../src/emv/kernel/oda/index.js';
import type { ApplicationImage } from '../../hw-mocks/chip-card/personalise.js';
import { staticDataToAuthenticate } from '../../hw-mocks/chip-card/personalise.js';
import type { RecordedExchange } from './cards.js';
import { BENCH_NOW, BENCH_UNPREDICTABLE_NUMBER } from './setup.js';

const INS_GPO = 0xa8;
const INS_INTERNAL_AUTHENTICATE = 0x88;
const INS_GENERATE_AC = 0xae;
const RID_BYTES = 5;
/** A command APDU's data starts after CLA INS P1 P2 Lc. */
const COMMAND_DATA_OFFSET = 5;

export interface IssuerKeyInputs {
  readonly capk: RsaPublicKey;
  readonly certificate: Buffer;
  readonly remainder: Buffer | undefined;
  readonly exponent: Buffer;
  readonly pan: Buffer;
}

export interface IccKeyInputs {
  readonly certificate: Buffer;
  readonly remainder: Buffer | undefined;
  readonly exponent: Buffer;
  readonly pan: Buffer;
  readonly staticData: Buffer;
}

export interface CardOdaInputs {
  readonly issuer: IssuerKeyInputs;
  readonly issuerKey: RsaPublicKey;
  readonly icc?: IccKeyInputs;
  readonly iccKey?: RsaPublicKey;
  readonly staticData: Buffer;
  /** 93, for SDA. */
  readonly signedStaticData?: Buffer;
  /** INTERNAL AUTHENTICATE's SDAD and the DDOL data it signs. */
  readonly dda?: { readonly sdad: Buffer; readonly ddolData: Buffer };
  /** The first GENERATE AC's SDAD with what its check needs. */
  readonly cda?: { readonly sdad: Buffer; readonly unpredictableNumber: Buffer; readonly cid: number; readonly hashInput: Buffer };
}

function need(data: ReadonlyMap<string, Buffer>, tag: string): Buffer {
  const value = data.get(tag);
  if (value === undefined) throw new Error(`oda inputs: the card has no ${tag}`);
  return value;
}

function commandData(command: Buffer): Buffer {
  return command.subarray(COMMAND_DATA_OFFSET, COMMAND_DATA_OFFSET + (command[4] ?? 0));
}

function responseNodes(response: Buffer): TlvNode[] {
  return decode(response.subarray(0, response.length - 2));
}

/** The issuer's and ICC's keys recovered once (the timed functions are checked to give the same), and every signature's inputs. */
export function odaInputs(app: ApplicationImage, capks: CapkTable, exchanges: readonly RecordedExchange[]): CardOdaInputs {
  const data = app.data;
  const capk = capks.find(app.aid.subarray(0, RID_BYTES), need(data, '8F')[0] ?? -1, BENCH_NOW);
  if (capk === undefined) throw new Error('oda inputs: no CAPK for the card');
  const pan = need(data, '5A');
  const staticData = staticDataToAuthenticate(app.profile, data);
  const issuer: IssuerKeyInputs = { capk, certificate: need(data, '90'), remainder: data.get('92'), exponent: need(data, '9F32'), pan };
  const issuerKey = recoverIssuer(issuer);
  const base = { issuer, issuerKey, staticData, ...(data.has('93') ? { signedStaticData: need(data, '93') } : {}) };
  if (!data.has('9F46')) return base;
  const icc: IccKeyInputs = { certificate: need(data, '9F46'), remainder: data.get('9F48'), exponent: need(data, '9F47'), pan, staticData };
  const iccKey = recoverIcc(issuerKey, icc);
  const internalAuthenticate = exchanges.find((e) => e.command[1] === INS_INTERNAL_AUTHENTICATE);
  const gpo = exchanges.find((e) => e.command[1] === INS_GPO);
  const firstAc = exchanges.find((e) => e.command[1] === INS_GENERATE_AC);
  return {
    ...base,
    icc,
    iccKey,
    ...(internalAuthenticate === undefined ? {} : { dda: { sdad: ddaSignature(internalAuthenticate.response), ddolData: commandData(internalAuthenticate.command) } }),
    ...(gpo === undefined || firstAc === undefined ? {} : cdaInputs(gpo, firstAc)),
  };
}

export function recoverIssuer(inputs: IssuerKeyInputs): RsaPublicKey {
  const recovered = recoverIssuerKey({ ...inputs, now: BENCH_NOW, isRevoked: () => false });
  if (!recovered.ok) throw new Error(`oda inputs: issuer key not recovered (${recovered.reason})`);
  return recovered.key;
}

export function recoverIcc(issuerKey: RsaPublicKey, inputs: IccKeyInputs): RsaPublicKey {
  const recovered = recoverIccKey({ ...inputs, issuerKey, now: BENCH_NOW });
  if (!recovered.ok) throw new Error(`oda inputs: ICC key not recovered (${recovered.reason})`);
  return recovered.key;
}

/** 80 [SDAD] or 77 [… 9F4B SDAD …] (Book 3 §6.5.9.4). */
function ddaSignature(response: Buffer): Buffer {
  const [node] = responseNodes(response);
  const sdad = node?.tag === '80' ? node.value : node?.children?.find((c) => c.tag === '9F4B')?.value;
  if (sdad === undefined) throw new Error('oda inputs: INTERNAL AUTHENTICATE gave no SDAD');
  return Buffer.from(sdad);
}

/** A CDA answer is 77 [9F27 9F36 9F4B 9F10 …] (Book 2 §6.6.1); without 9F4B the card did no CDA. */
function cdaInputs(gpo: RecordedExchange, firstAc: RecordedExchange): Pick<CardOdaInputs, 'cda'> {
  const [template] = responseNodes(firstAc.response);
  const children = template?.tag === '77' ? (template.children ?? []) : [];
  const sdad = children.find((c) => c.tag === '9F4B')?.value;
  const cid = children.find((c) => c.tag === '9F27')?.value[0];
  if (sdad === undefined || cid === undefined) return {};
  // GPO data is 83 L [PDOL data]; only the PDOL data is hashed.
  const [pdolTemplate] = decode(commandData(gpo.command));
  const others = encode(children.filter((c) => c.tag !== '9F4B').map((c) => ({ tag: c.tag, value: c.value })));
  const hashInput = Buffer.concat([pdolTemplate?.value ?? Buffer.alloc(0), commandData(firstAc.command), others]);
  return { cda: { sdad: Buffer.from(sdad), unpredictableNumber: Buffer.from(BENCH_UNPREDICTABLE_NUMBER), cid, hashInput } };
}
