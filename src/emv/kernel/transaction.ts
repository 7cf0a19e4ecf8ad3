/**
 * One EMV contact transaction, terminal side (EMV 4.4 Book 3 §10, in its
 * order): application selection, initiate application processing, read
 * application data, offline data authentication, processing restrictions,
 * cardholder verification, terminal risk management, terminal action
 * analysis and the first GENERATE AC; then, for an ARQC, completion with the
 * host's answer (or "unable to go online"). Each step is its own module;
 * this one runs them in order and says what came of it.
 *
 * The kernel's data lives in one `TransactionData` that `wipe()` zeroes: the
 * engine calls it when the transaction ends, whatever happened.
 */
import { PosError } from '../../util/errors.js';
import { terminalActionAnalysis, unableToGoOnlineDecision, type CryptogramType } from './action-analysis.js';
import { completeOnlineTransaction, type Completion, type HostAnswer } from './completion.js';
import type { KernelConfig } from './config.js';
import type { KernelContext, KernelEnvironment, TransactionRequest } from './context.js';
import { performCardholderVerification, type CvmCapabilities, type RequestOnlinePin } from './cvm.js';
import { generateAc, type GenerateAcResult } from './generate-ac.js';
import { initiateApplicationProcessing } from './initiate.js';
import { performOfflineDataAuthentication, type CapkTable, type OdaResult } from './oda/index.js';
import { readApplicationData } from './read-records.js';
import { processingRestrictions } from './restrictions.js';
import { terminalRiskManagement } from './risk-management.js';
import { buildCandidateList, finalSelect, type Candidate, type ChooseApplication } from './selection/index.js';
import type { SplitSalesLog } from './split-sales.js';
import { seedAidData, seedTerminalData } from './terminal-data.js';
import { TransactionData } from './transaction-data.js';
import { newTsi, newTvr } from './tvr.js';

export interface KernelDependencies {
  readonly env: KernelEnvironment;
  readonly config: KernelConfig;
  readonly capks: CapkTable;
  /** Cardholder choice among applications; absent when the terminal cannot ask. */
  readonly chooseApplication?: ChooseApplication;
  readonly cvm: CvmCapabilities;
  /** Online PIN entry for the card whose Track 2 Equivalent Data (57) is given (a copy, wiped after the call). */
  readonly requestOnlinePin: (track2Equivalent: Buffer) => ReturnType<RequestOnlinePin>;
  /** Today's approvals by card, for the split-sales check; told of each approval this kernel sees. */
  readonly splitSales: SplitSalesLog;
}

/** What the kernel knows at the end, for the result, the journal and the receipt: no PAN, no track. */
export interface KernelSummary {
  readonly aid: string;
  readonly applicationLabel?: string;
  readonly tvr: string;
  readonly tsi: string;
  readonly cvmResults?: string;
  readonly odaMethod: OdaResult['method'];
  /** The last application cryptogram (9F26) and its type (9F27). */
  readonly cryptogram?: string;
  readonly cryptogramType?: CryptogramType;
  readonly atc?: string;
}

/** The first GENERATE AC's answer, as the engine acts on it. */
export type FirstDecision = 'online' | 'approved-offline' | 'declined-offline';

const CHIP_TAGS_FOR_HOST = [
  '57', '5A', '5F24', '5F34', '5F28', '82', '84', '95', '9A', '9C', '9F02', '9F03', '9F09', '9F10', '9F1A', '9F1E', '9F26', '9F27',
  '9F33', '9F34', '9F35', '9F36', '9F37', '9F41', '9F53', '5F2A', '9F6E', '9F7C', '9B',
] as const;

export class EmvTransaction {
  readonly #ctx: KernelContext;
  readonly #oda: OdaResult;
  readonly #first: GenerateAcResult;
  readonly #candidate: Candidate;
  #last: GenerateAcResult;
  #completed = false;
  readonly onlinePinEntered: boolean;
  readonly signatureRequired: boolean;

  readonly #splitSales: SplitSalesLog;

  private constructor(ctx: KernelContext, candidate: Candidate, oda: OdaResult, first: GenerateAcResult, cvm: { onlinePinEntered: boolean; signatureRequired: boolean }, splitSales: SplitSalesLog) {
    this.#splitSales = splitSales;
    this.#ctx = ctx;
    this.#candidate = candidate;
    this.#oda = oda;
    this.#first = first;
    this.#last = first;
    this.onlinePinEntered = cvm.onlinePinEntered;
    this.signatureRequired = cvm.signatureRequired;
  }

  /** Runs the transaction up to and including the first GENERATE AC. On a failure the kernel's data is wiped before the error goes up. */
  static async start(deps: KernelDependencies, request: TransactionRequest): Promise<EmvTransaction> {
    const { env, config } = deps;
    let candidates: readonly Candidate[] = await buildCandidateList(env.transmit, config);
    const unpredictableNumber = env.unpredictableNumber();
    for (;;) {
      const selected = await finalSelect(env.transmit, candidates, deps.chooseApplication);
      const data = new TransactionData();
      try {
        seedTerminalData(data, config.terminal, request, env.now(), unpredictableNumber);
        seedAidData(data, selected.candidate.terminalAid);
        const ctx: KernelContext = { env, config, request, data, tvr: newTvr(), tsi: newTsi(), aid: selected.candidate.terminalAid };
        if ((await initiateApplicationProcessing(ctx, selected.fci)) === 'retry-selection') {
          data.wipe();
          candidates = selected.remaining;
          continue;
        }
        return await EmvTransaction.#afterInitiation(deps, ctx, selected.candidate);
      } catch (error) {
        data.wipe();
        throw error;
      }
    }
  }

  static async #afterInitiation(deps: KernelDependencies, ctx: KernelContext, candidate: Candidate): Promise<EmvTransaction> {
    const records = await readApplicationData(ctx);
    const oda = await performOfflineDataAuthentication(ctx, deps.capks, records.staticDataToAuthenticate, records.odaRecordFormatError);
    processingRestrictions(ctx);
    const cvm = await performCardholderVerification(ctx, deps.cvm, async () => {
      const track2Equivalent = ctx.data.get('57');
      if (track2Equivalent === undefined) return 'unavailable';
      const copy = Buffer.from(track2Equivalent);
      try {
        return await deps.requestOnlinePin(copy);
      } finally {
        copy.fill(0);
      }
    });
    await terminalRiskManagement(ctx, { recentAmountForCard: () => deps.splitSales.recentAmount(ctx.data.get('5A')) });
    const requested = terminalActionAnalysis(ctx);
    const first = await generateAc(ctx, requested, 'first', oda);
    const txn = new EmvTransaction(ctx, candidate, oda, first, cvm, deps.splitSales);
    if (first.type === 'TC') deps.splitSales.recordApproval(ctx.data.get('5A'), ctx.request.amountMinor);
    return txn;
  }

  /** What the first GENERATE AC decided. */
  get firstDecision(): FirstDecision {
    switch (this.#first.type) {
      case 'ARQC':
        return 'online';
      case 'TC':
        return 'approved-offline';
      case 'AAC':
        return 'declined-offline';
    }
  }

  /** Track 2 Equivalent Data (57): the card's identity for the host request and the PIN block. A copy the caller wipes. */
  track2Equivalent(): Buffer {
    const value = this.#ctx.data.get('57');
    if (value === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'The card gave no Track 2 Equivalent Data', { tag: '57' });
    return Buffer.from(value);
  }

  /** The online request's chip data as tag → value (DE 55 is built from it; the host encoder strips 57 and 5A). Copies the caller wipes. */
  onlineData(): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    this.#ctx.data.set('95', this.#ctx.tvr.bytes(), 'terminal');
    this.#ctx.data.set('9B', this.#ctx.tsi.bytes(), 'terminal');
    for (const tag of CHIP_TAGS_FOR_HOST) {
      const value = this.#ctx.data.get(tag);
      if (value !== undefined) out.set(tag, Buffer.from(value));
    }
    const aid = this.#ctx.data.get('4F') ?? this.#ctx.data.get('84');
    if (aid !== undefined) out.set('4F', Buffer.from(aid));
    return out;
  }

  /**
   * Completes the transaction after an ARQC: the host's answer, or "unable to
   * go online", in which case the terminal's and the issuer's default action
   * codes decide (Y3 or Z3).
   */
  async complete(answer: { readonly kind: 'answered'; readonly arc: Buffer; readonly approved: boolean; readonly issuerTlv: Buffer } | { readonly kind: 'unable-to-go-online' }): Promise<Completion> {
    if (this.#first.type !== 'ARQC' || this.#completed) throw new PosError('EMV_KERNEL_STATE', 'No online request is waiting for completion', { firstAc: this.#first.type });
    this.#completed = true;
    const hostAnswer: HostAnswer = answer.kind === 'answered' ? answer : { kind: 'unable-to-go-online', decision: unableToGoOnlineDecision(this.#ctx) };
    const completion = await completeOnlineTransaction(this.#ctx, hostAnswer, this.#oda);
    if (completion.secondAc !== undefined) this.#last = completion.secondAc;
    if (completion.decision === 'approved') this.#splitSales.recordApproval(this.#ctx.data.get('5A'), this.#ctx.request.amountMinor);
    return completion;
  }

  summary(): KernelSummary {
    const data = this.#ctx.data;
    const hex = (tag: string): string | undefined => data.get(tag)?.toString('hex').toUpperCase();
    const cvmResults = hex('9F34');
    return {
      aid: this.#candidate.aid.toString('hex').toUpperCase(),
      ...(this.#candidate.preferredName ?? this.#candidate.label ? { applicationLabel: this.#candidate.preferredName ?? this.#candidate.label } : {}),
      tvr: this.#ctx.tvr.bytes().toString('hex').toUpperCase(),
      tsi: this.#ctx.tsi.bytes().toString('hex').toUpperCase(),
      ...(cvmResults === undefined ? {} : { cvmResults }),
      odaMethod: this.#oda.method,
      cryptogram: this.#last.cryptogram.toString('hex').toUpperCase(),
      cryptogramType: this.#last.type,
      atc: this.#last.atc.toString('hex').toUpperCase(),
    };
  }

  /** Zeroes every value the kernel holds. */
  wipe(): void {
    this.#ctx.data.wipe();
  }
}
