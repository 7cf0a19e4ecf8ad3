/**
 * Offline data authentication as the kernel's step, EMV 4.4 Book 3 §10.3
 * over Book 2 §5 (SDA) and §6 (DDA, and the key recovery CDA needs before
 * GENERATE AC), with INTERNAL AUTHENTICATE (Book 3 §6.5.9).
 *
 * | outcome                                                   | TVR byte 1                                  | TSI "ODA performed"       |
 * | --------------------------------------------------------- | ------------------------------------------- | ------------------------- |
 * | no method both the card and the terminal support          | b8 ODA not performed                        | —                         |
 * | SDA chosen (whatever follows)                             | b2 SDA selected                             |                           |
 * | data the method needs absent: 8F 90 9F32 93 (SDA) or      | b6 ICC data missing, and the method's       | set                       |
 * |   8F 90 9F32 9F46 9F47 (DDA, CDA); 92 / 9F48 when needed  |   failed bit                                |                           |
 * | a record for ODA not a '70' template, 9F4A other than 82  | the method's failed bit                     | set                       |
 * | a Book 2 check fails: no CAPK (or expired), certificate,  | b7 SDA failed / b4 DDA failed /             | set                       |
 * |   signature, DDOL without 9F37                            |   b3 CDA failed                             |                           |
 * | SDA or DDA verified                                       | —                                           | set                       |
 * | CDA: ICC key recovered                                    | —                                           | — (GENERATE AC sets it)   |
 *
 * None of these terminates the transaction: terminal action analysis decides
 * what a failed bit means. What terminates is the card breaking the
 * INTERNAL AUTHENTICATE protocol (Book 3 §6.5.9.4): a status word other than
 * 9000 (`EMV_CARD_STATUS`), an answer in neither format 1 (80) nor format 2
 * (77 with one 9F4B) (`EMV_CARD_DATA_INVALID`, `EMV_CARD_DATA_MISSING`).
 *
 * On success SDA stores the Data Authentication Code (9F45) and DDA the
 * Signed Dynamic Application Data (9F4B) and ICC Dynamic Number (9F4C), as
 * card data. Recovered blocks hold the PAN; they are zeroed after use.
 */
import { PosError } from '../../../util/errors.js';
import { parseDol } from '../../dol.js';
import { CLA_INTERINDUSTRY, exchange, INS, SW, swHex } from '../apdu.js';
import type { KernelContext } from '../context.js';
import { decodeCardData } from '../initiate.js';
import { buildKernelDol } from '../terminal-data.js';
import type { TvrBit } from '../tvr.js';
import type { CapkTable } from './capk-table.js';
import { recoverIccKey, recoverIssuerKey, type KeyRecovery } from './certificates.js';
import { chooseOdaMethod, type OdaMethod } from './method.js';
import type { RsaPublicKey } from './rsa.js';
import { failure, type OdaFailure, type OdaFailureReason } from './signed-data.js';
import { verifyDdaSignature, verifySignedStaticData } from './signatures.js';

export interface OdaResult {
  readonly method: OdaMethod;
  /** For CDA, the recovered ICC public key the GENERATE AC check needs; undefined when recovery failed (cdaFailed is then set). */
  readonly iccKey?: RsaPublicKey;
  /** When the method failed: the Book 2 step or Book 3 rule that refused (safe to log: it holds no card data). */
  readonly failure?: OdaFailureReason;
}

const FAILED_BIT = { sda: 'sdaFailed', dda: 'ddaFailed', cda: 'cdaFailed' } as const satisfies Record<Exclude<OdaMethod, 'none'>, TvrBit>;
/** Book 3 §7.2 Tables 29 and 30 (with 5A, which the checks compare against); 92 and 9F48 only when the key needs them. */
const ISSUER_TAGS = ['8F', '90', '9F32', '5A'] as const;
const SDA_TAGS = [...ISSUER_TAGS, '93'] as const;
const DYNAMIC_TAGS = [...ISSUER_TAGS, '9F46', '9F47'] as const;
const RID_BYTES = 5;
const UNPREDICTABLE_NUMBER_TAG = '9F37';
const MAX_COMMAND_DATA_BYTES = 255;
const STEP = 'oda';

/**
 * Performs ODA (SDA verifies 93; DDA recovers keys, sends INTERNAL
 * AUTHENTICATE with the card's DDOL 9F49 or ctx.aid.defaultDdol and verifies
 * 9F4B, storing 9F4C; CDA recovers keys only), setting the TVR and TSI as the
 * module comment's table says. `staticData` is what read-records collected;
 * `odaRecordFormatError` fails SDA/DDA/CDA as Book 3 §10.3 says.
 */
export async function performOfflineDataAuthentication(ctx: KernelContext, capks: CapkTable, staticData: Buffer, odaRecordFormatError: boolean): Promise<OdaResult> {
  const method = chooseOdaMethod(cardValue(ctx, '82') ?? Buffer.alloc(0), ctx.config.terminal.terminalCapabilities);
  switch (method) {
    case 'none':
      ctx.tvr.set('odaNotPerformed');
      return { method };
    case 'sda': {
      ctx.tvr.set('sdaSelected');
      const outcome = staticDataAuthentication(ctx, capks, staticData, odaRecordFormatError);
      return outcome.ok ? performed(ctx, { method }) : failed(ctx, method, outcome);
    }
    case 'dda': {
      const keys = iccKeyRecovery(ctx, capks, staticData, odaRecordFormatError);
      if (!keys.ok) return failed(ctx, method, keys);
      const outcome = await dynamicDataAuthentication(ctx, keys.key);
      return outcome.ok ? performed(ctx, { method }) : failed(ctx, method, outcome);
    }
    case 'cda': {
      const keys = iccKeyRecovery(ctx, capks, staticData, odaRecordFormatError);
      return keys.ok ? { method, iccKey: keys.key } : failed(ctx, method, keys);
    }
  }
}

function performed(ctx: KernelContext, result: OdaResult): OdaResult {
  ctx.tsi.set('odaPerformed');
  return result;
}

function failed(ctx: KernelContext, method: Exclude<OdaMethod, 'none'>, why: OdaFailure): OdaResult {
  ctx.tvr.set(FAILED_BIT[method]);
  if (why.reason === 'data-missing') ctx.tvr.set('iccDataMissing');
  ctx.tsi.set('odaPerformed');
  return { method, failure: why.reason };
}

/** A data object the card gave (never one the terminal or issuer set under the same tag). */
function cardValue(ctx: KernelContext, tag: string): Buffer | undefined {
  return ctx.data.sourceOf(tag) === 'card' ? ctx.data.get(tag) : undefined;
}

type Ok = { readonly ok: true };
type IssuerTag = (typeof ISSUER_TAGS)[number];
type SdaTag = (typeof SDA_TAGS)[number];
type DynamicTag = (typeof DYNAMIC_TAGS)[number];
type Present<Tag extends string> = { readonly ok: true; readonly objects: Readonly<Record<Tag, Buffer>> } | OdaFailure;

/** Book 3 §10.3: the data the method needs is there (by tag), and the records were fit to authenticate. */
function required<Tag extends string>(ctx: KernelContext, tags: readonly Tag[], odaRecordFormatError: boolean): Present<Tag> {
  const objects = new Map<Tag, Buffer>();
  for (const tag of tags) {
    const value = cardValue(ctx, tag);
    if (value === undefined) return failure('data-missing', tag);
    objects.set(tag, value);
  }
  if (odaRecordFormatError) return failure('record-format');
  return { ok: true, objects: Object.fromEntries(objects) as Record<Tag, Buffer> };
}

/** Book 2 §5.2–5.3 / §6.2–6.3: the CA public key (RID of the AID, index 8F), then the issuer public key. */
function issuerKeyRecovery(ctx: KernelContext, capks: CapkTable, objects: Readonly<Record<IssuerTag, Buffer>>): KeyRecovery {
  const rid = ctx.aid.aid.subarray(0, RID_BYTES);
  const index = objects['8F'].length === 1 ? objects['8F'][0] : undefined;
  const capk = index === undefined ? undefined : capks.find(rid, index, ctx.env.now());
  if (capk === undefined || index === undefined) return failure('capk-missing');
  return recoverIssuerKey({
    capk,
    certificate: objects['90'],
    remainder: cardValue(ctx, '92'),
    exponent: objects['9F32'],
    pan: objects['5A'],
    now: ctx.env.now(),
    isRevoked: (serial) => capks.isRevoked(rid, index, serial),
  });
}

/** Book 2 §5: SDA. */
function staticDataAuthentication(ctx: KernelContext, capks: CapkTable, staticData: Buffer, odaRecordFormatError: boolean): Ok | OdaFailure {
  const present = required<SdaTag>(ctx, SDA_TAGS, odaRecordFormatError);
  if (!present.ok) return present;
  const issuer = issuerKeyRecovery(ctx, capks, present.objects);
  if (!issuer.ok) return issuer;
  const verified = verifySignedStaticData(issuer.key, present.objects['93'], staticData);
  if (!verified.ok) return verified;
  ctx.data.set('9F45', verified.dataAuthenticationCode, 'card');
  return { ok: true };
}

/** Book 2 §6.2–6.4: the ICC public key, through the issuer's. */
function iccKeyRecovery(ctx: KernelContext, capks: CapkTable, staticData: Buffer, odaRecordFormatError: boolean): KeyRecovery {
  const present = required<DynamicTag>(ctx, DYNAMIC_TAGS, odaRecordFormatError);
  if (!present.ok) return present;
  const issuer = issuerKeyRecovery(ctx, capks, present.objects);
  if (!issuer.ok) return issuer;
  return recoverIccKey({
    issuerKey: issuer.key,
    certificate: present.objects['9F46'],
    remainder: cardValue(ctx, '9F48'),
    exponent: present.objects['9F47'],
    pan: present.objects['5A'],
    staticData,
    now: ctx.env.now(),
  });
}

/** Book 2 §6.5: the DDOL data, INTERNAL AUTHENTICATE, and the signature over it. */
async function dynamicDataAuthentication(ctx: KernelContext, iccKey: RsaPublicKey): Promise<Ok | OdaFailure> {
  const ddolData = ddolDataFor(ctx);
  if (ddolData === undefined) return failure('ddol');
  const sdad = await internalAuthenticate(ctx, ddolData);
  ctx.data.set('9F4B', sdad, 'card');
  const verified = verifyDdaSignature(iccKey, sdad, ddolData);
  if (!verified.ok) return verified;
  ctx.data.set('9F4C', verified.iccDynamicNumber, 'card');
  return { ok: true };
}

/**
 * Book 2 §6.5.1: the card's DDOL (9F49), else the terminal's default DDOL
 * for the AID; undefined — DDA fails — when there is neither, it does not
 * parse, it does not ask for the Unpredictable Number (9F37), or its data
 * does not fit one command.
 */
function ddolDataFor(ctx: KernelContext): Buffer | undefined {
  const ddol = cardValue(ctx, '9F49') ?? ctx.aid.defaultDdol;
  if (ddol.length === 0) return undefined;
  try {
    if (!parseDol(ddol).some((entry) => entry.tag === UNPREDICTABLE_NUMBER_TAG)) return undefined;
    const data = buildKernelDol(ctx, ddol);
    return data.length === 0 || data.length > MAX_COMMAND_DATA_BYTES ? undefined : data;
  } catch {
    // A DDOL that does not parse or cannot be built is no DDOL.
    return undefined;
  }
}

/**
 * INTERNAL AUTHENTICATE (Book 3 §6.5.9): 00 88 00 00 Lc [DDOL data] 00; the
 * answer is 80 [SDAD] (format 1) or 77 { 9F4B SDAD, … } (format 2).
 */
async function internalAuthenticate(ctx: KernelContext, ddolData: Buffer): Promise<Buffer> {
  const response = await exchange(ctx.env.transmit, { cla: CLA_INTERINDUSTRY, ins: INS.INTERNAL_AUTHENTICATE, p1: 0x00, p2: 0x00, data: ddolData, le: 0 });
  if (response.sw !== SW.OK) {
    throw new PosError('EMV_CARD_STATUS', `INTERNAL AUTHENTICATE answered ${swHex(response.sw)}`, { command: 'INTERNAL AUTHENTICATE', sw: swHex(response.sw), step: STEP });
  }
  const nodes = decodeCardData(response.data, STEP);
  const [node] = nodes;
  if (nodes.length === 1 && node !== undefined) {
    if (node.tag === '80' && node.children === undefined) return Buffer.from(node.value);
    if (node.tag === '77' && node.children !== undefined) {
      const signatures = node.children.filter((child) => child.tag === '9F4B');
      const [signature] = signatures;
      if (signature === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'The INTERNAL AUTHENTICATE answer has no Signed Dynamic Application Data', { step: STEP, tag: '9F4B' });
      if (signatures.length === 1 && signature.children === undefined) return Buffer.from(signature.value);
      throw new PosError('EMV_CARD_DATA_INVALID', 'The INTERNAL AUTHENTICATE answer has 9F4B more than once or as a template', { step: STEP, tag: '9F4B' });
    }
  }
  throw new PosError('EMV_CARD_DATA_INVALID', 'The INTERNAL AUTHENTICATE answer is in neither format 1 (80) nor format 2 (77)', { step: STEP, objects: nodes.length, ...(node === undefined ? {} : { tag: node.tag }) });
}
