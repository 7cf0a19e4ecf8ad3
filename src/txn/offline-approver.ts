/**
 * Store-and-forward as the ledger asks it (`journal-ledger.ts`): may this
 * purchase, whose request never reached the host, be approved by the
 * terminal itself — and once the card agrees, queue its advice (0220) with
 * the card data sealed.
 *
 * Response codes are the EMV authorisation response codes (8A, EMV 4.4
 * Book 4 Annex A6) for a terminal that was *unable to go online*: `Y3`
 * approved offline, `Z3` declined offline. The card's first GENERATE AC asked
 * to go online (ARQC); the second one is given `Y3` and the card answers TC
 * (approve) or AAC (decline: the advice is dropped, the journal records a
 * decline). The terminal's auth code (DE 38 of the advice) is `Y` followed
 * by the last five digits of the request's STAN: six characters, unique per
 * terminal over 100 000 transactions, and never mistaken for a host's.
 */
import { isMaskedCard } from '../card/types.js';
import { isChipRead, type CardRead } from '../devices/card-reader.js';
import { decode, encode, type TlvInput, type TlvNode } from '../emv/ber-tlv.js';
import { chipDataForHost } from '../host/messages/chip-data.js';
import { wipe } from '../util/bytes.js';
import { Sensitive } from '../util/sensitive.js';
import type { AdviceCard, AdviceSealer } from './advice-card.js';
import type { Journal } from './journal/index.js';
import type { OfflineGrant } from './ledger.js';
import type { OfflineCandidate, StoreAndForward } from './store-and-forward.js';

export const OFFLINE_APPROVED_CODE = 'Y3';
/** The card approved offline itself (TC at its first GENERATE AC). */
export const APPROVED_BY_CARD_CODE = 'Y1';
export const OFFLINE_DECLINED_CODE = 'Z3';
/** The card declined offline itself (AAC at its first GENERATE AC). */
export const OFFLINE_DECLINED_BY_CARD_CODE = 'Z1';

export interface OfflineRequest {
  readonly id: string;
  readonly kind: 'purchase' | 'refund';
  /** DE 11 of the request that could not be sent; the advice goes with it. */
  readonly stan: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly read: CardRead;
  /** The card approved at its first GENERATE AC (Y1), at this moment: the STAN is new, and the card's kernel, not the brand policy, decided. */
  readonly byCardAt?: Date;
}

export function offlineAuthCode(stan: string): string {
  return `Y${stan.padStart(5, '0').slice(-5)}`;
}

/** An encrypting reader hands over masked data only: nothing to forward in an advice. */
function holdsClearCard(read: CardRead): boolean {
  return !isMaskedCard(read.card) && read.encrypted === undefined;
}

export class OfflineApprovals {
  readonly #saf: StoreAndForward;
  readonly #sealer: AdviceSealer;
  readonly #journal: Journal;

  /** `journal` is read for the fields the seal is bound to (STAN, DE 7, amount), written before the card's decision. */
  constructor(deps: { readonly saf: StoreAndForward; readonly sealer: AdviceSealer; readonly journal: Journal }) {
    this.#saf = deps.saf;
    this.#sealer = deps.sealer;
    this.#journal = deps.journal;
  }

  /**
   * Decides under the policy. When granted, the approval is committed to the
   * journal (`offline-approved`) before this returns; the engine then asks
   * the card, and the advice is queued (`queue`) or the transaction ends
   * declined or failed.
   */
  approve(request: OfflineRequest): OfflineGrant {
    const { read } = request;
    if (!holdsClearCard(read)) return { granted: false, refusal: 'card-data' };
    // Online PIN on a stripe: only the issuer could check it. A chip card weighs it in its own offline decision.
    if (read.pinRequired === true && !isChipRead(read)) return { granted: false, refusal: 'cvm' };
    // Where the terminal's own kernel ran, its action codes and floor limits (per AID) decided a purchase, not the brand table.
    // A refund's AAC decided nothing: the brand floor limits weigh it.
    const kernelDecides = request.kind === 'purchase' && isChipRead(read) && read.firstDecision !== undefined;
    const candidate: OfflineCandidate = { kind: request.kind, brand: read.card.brand, entryMode: read.entryMode, amountMinor: request.amountMinor, currency: request.currency, kernelDecides };
    const decision = this.#saf.decide(candidate);
    if (!decision.allowed) return { granted: false, refusal: decision.refusal };
    const byCard = request.byCardAt;
    const approval = { responseCode: byCard === undefined ? OFFLINE_APPROVED_CODE : APPROVED_BY_CARD_CODE, authCode: offlineAuthCode(request.stan) };
    this.#saf.approve(request.id, candidate, { ...approval, ...(byCard === undefined ? {} : { newStan: { stan: request.stan, at: byCard } }) });
    return { granted: true, ...approval, stan: request.stan };
  }

  /**
   * The card accepted (TC), or there was no card dialog: seals the card data
   * and queues the advice (`advice-pending`). Reads the card synchronously;
   * the caller still owns (and wipes) it. `completionTlv` is the second
   * GENERATE AC's data, which replaces the first's in DE 55.
   */
  queue(id: string, read: CardRead, completionTlv?: Buffer): void {
    const de55 = isChipRead(read) ? Sensitive.of('data', adviceChipData(read.chip.tlv, completionTlv)) : undefined;
    const card: AdviceCard = { track2: read.card.track2, ...(de55 === undefined ? {} : { de55 }) };
    try {
      this.#saf.accept(id, this.#sealer.seal(this.#journal.get(id), card));
    } finally {
      de55?.wipe();
    }
  }
}

/**
 * DE 55 of the advice: the online-request data without sensitive objects,
 * with the second GENERATE AC's objects (9F26 TC, 9F27, 9F36, 9F10, 95, 9B)
 * in place of the first's.
 */
export function adviceChipData(firstAc: Sensitive, completionTlv: Buffer | undefined): Buffer {
  const base = chipDataForHost(firstAc);
  if (completionTlv === undefined || completionTlv.length === 0) return base;
  const completionCopy = Sensitive.of('data', Buffer.from(completionTlv));
  const completion = chipDataForHost(completionCopy);
  completionCopy.wipe();
  try {
    const later = new Map(decode(completion).map((n) => [n.tag, n] as const));
    const merged: TlvInput[] = decode(base).map((n) => toInput(later.get(n.tag) ?? n));
    const seen = new Set(decode(base).map((n) => n.tag));
    for (const [tag, node] of later) if (!seen.has(tag)) merged.push(toInput(node));
    return encode(merged);
  } finally {
    wipe(base, completion);
  }
}

function toInput(node: TlvNode): TlvInput {
  return node.children === undefined ? { tag: node.tag, value: Buffer.from(node.value) } : { tag: node.tag, children: node.children.map(toInput) };
}
