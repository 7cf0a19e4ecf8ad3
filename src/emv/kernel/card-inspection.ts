/**
 * Reading a card as a technician needs it, without a transaction (`pos diag
 * card`): the kernel's own steps up to offline data authentication, in the
 * order of EMV 4.4 Book 3 §10, and none after —
 *
 *   application selection   buildCandidateList, finalSelect (Book 1 §12); the
 *                           highest priority application is taken, also one
 *                           that asks for cardholder confirmation (the
 *                           technician is the cardholder here), or the one asked for
 *   initiate                initiateApplicationProcessing (Book 3 §10.1): GPO
 *                           with the PDOL, amounts 0; 69 85 selects again
 *   read application data   readApplicationData (Book 3 §10.2)
 *   ODA                     performOfflineDataAuthentication (Book 2, Book 3
 *                           §10.3): SDA, or DDA with INTERNAL AUTHENTICATE;
 *                           for CDA the certificates are verified and the ICC
 *                           key recovered — its signature comes only with
 *                           GENERATE AC, which is never sent here
 *
 * Nothing else goes to the card: no GENERATE AC, no VERIFY, no GET DATA. GET
 * PROCESSING OPTIONS counts the card's ATC, as any terminal's reading does.
 *
 * The outcome is a report, also when a step fails: what was learned up to
 * there and the step's error (`failure`: step, code, message — a kernel
 * error names tags and status words, never card data). Only a `PosError` is
 * the card's or the reader's failure; anything else is a defect and thrown.
 *
 * Which applications the card has is watched on the way (`SelectionWatch`):
 * the SELECT answers (62 83 is a blocked application) and the PSE's
 * directory records (applications the terminal has no AID for), never an
 * application's records. The kernel's data store, which holds the PAN and
 * Track 2 Equivalent Data, is wiped before this returns; the report holds
 * the masked PAN and the expiry date only (`card-inspection-report.ts`).
 */
import { isPosError, PosError, type ErrorDetails } from '../../util/errors.js';
import { wipe } from '../../util/bytes.js';
import type { TlvNode } from '../ber-tlv.js';
import { printableText } from '../interpret/values.js';
import { INS, SW, swHex, type Transmit } from './apdu.js';
import {
  aflReport,
  aipReport,
  cardIdentity,
  cvmListReport,
  odaReport,
  type AflReport,
  type AipReport,
  type ApplicationStatus,
  type CardIdentity,
  type CvmListReport,
  type InspectedApplication,
  type OdaReport,
} from './card-inspection-report.js';
import type { KernelConfig } from './config.js';
import { TRANSACTION_TYPE, type KernelContext, type KernelEnvironment, type TransactionRequest } from './context.js';
import { initiateApplicationProcessing } from './initiate.js';
import { performOfflineDataAuthentication, type CapkTable } from './oda/index.js';
import { readApplicationData } from './read-records.js';
import { buildCandidateList, finalSelect, type Candidate, type ChooseApplication } from './selection/index.js';
import { matchTerminalAid, toCandidate } from './selection/candidate.js';
import { parseFci, primitiveChild, proprietaryValue, type Fci } from './selection/fci.js';
import { directoryEntries, PSE_NAME } from './selection/pse.js';
import { seedAidData, seedTerminalData } from './terminal-data.js';
import { TransactionData } from './transaction-data.js';
import { newTsi, newTvr } from './tvr.js';

export interface InspectionDependencies {
  readonly config: KernelConfig;
  readonly capks: CapkTable;
  readonly now: () => Date;
  /** 9F37, 4 bytes (the PDOL or DDOL may ask for it). */
  readonly unpredictableNumber: () => Buffer;
  /** 5F2A, ISO 4217 numeric (3 digits), with its exponent: the PDOL's amounts are 0 in it. */
  readonly currency: string;
  readonly currencyExponent: number;
  /** Select this application (its DF name) instead of the highest priority one. */
  readonly aid?: Buffer;
}

export type InspectionStep = 'selection' | 'initiate' | 'read-records' | 'oda';

export interface InspectionFailure {
  readonly step: InspectionStep;
  readonly code: string;
  readonly message: string;
  readonly details: ErrorDetails;
}

export interface CardInspection {
  /** Where the candidate list came from: the PSE's directory, SELECTs of the terminal's AIDs, or neither (the card failed before). */
  readonly applicationsFrom: 'pse' | 'aid-list' | 'none';
  readonly applications: readonly InspectedApplication[];
  /** The application the rest of the report is about (also in `applications`). */
  readonly selected?: InspectedApplication;
  readonly aip?: AipReport;
  readonly afl?: AflReport;
  /** Absent when the card has no CVM List. */
  readonly cvmList?: CvmListReport;
  readonly oda?: OdaReport;
  readonly card: CardIdentity;
  /** The step that failed; the report is complete when absent. */
  readonly failure?: InspectionFailure;
}

/** SELECT P1: by DF name (Book 1 §11.3.2). */
const P1_BY_NAME = 0x04;
const HEADER_BYTES = 5;
const SW_BYTES = 2;

export async function inspectCard(transmit: Transmit, deps: InspectionDependencies): Promise<CardInspection> {
  const watch = new SelectionWatch(transmit);
  const env: KernelEnvironment = {
    transmit: watch.transmit,
    now: deps.now,
    unpredictableNumber: deps.unpredictableNumber,
    // No risk management runs here; the kernel's environment has a place for it all the same.
    randomPercent: () => 0,
  };
  const request: TransactionRequest = { amountMinor: 0, amountOtherMinor: 0, currency: deps.currency, currencyExponent: deps.currencyExponent, transactionType: TRANSACTION_TYPE.purchase };
  let step: InspectionStep = 'selection';
  let candidates: readonly Candidate[] = [];
  let selected: Candidate | undefined;
  const refused = new Set<string>();
  let ctx: KernelContext | undefined;
  let oda: OdaReport | undefined;
  let failure: InspectionFailure | undefined;
  try {
    candidates = await buildCandidateList(watch.transmit, deps.config);
    watch.candidatesBuilt();
    let remaining = deps.aid === undefined ? candidates : candidates.filter((c) => c.aid.equals(deps.aid as Buffer));
    if (remaining.length === 0 && deps.aid !== undefined && candidates.length > 0) {
      throw new PosError('EMV_NO_APPLICATION', `The card has no application ${hex(deps.aid)} that the terminal supports`, { aid: hex(deps.aid), candidates: candidates.length });
    }
    for (;;) {
      step = 'selection';
      const chosen = await finalSelect(watch.transmit, remaining, highestPriority);
      selected = chosen.candidate;
      step = 'initiate';
      const current = contextFor(env, deps.config, request, chosen.candidate);
      ctx = current;
      if ((await initiateApplicationProcessing(current, chosen.fci)) === 'ok') break;
      current.data.wipe();
      ctx = undefined;
      refused.add(hex(chosen.candidate.aid));
      selected = undefined;
      remaining = chosen.remaining;
    }
    watch.stop();
    step = 'read-records';
    const records = await readApplicationData(ctx);
    step = 'oda';
    try {
      const result = await performOfflineDataAuthentication(ctx, deps.capks, records.staticDataToAuthenticate, records.odaRecordFormatError);
      const now = deps.now();
      oda = odaReport(result, ctx.data, ctx.aid.aid, (rid, index) => deps.capks.find(rid, index, now) !== undefined);
    } finally {
      wipe(records.staticDataToAuthenticate);
    }
  } catch (error) {
    if (!isPosError(error)) {
      ctx?.data.wipe();
      throw error;
    }
    failure = { step, code: error.code, message: error.message, details: error.details };
  }
  watch.stop();
  try {
    const applications = applicationsOf(candidates, watch, selected, refused, deps.config);
    const data = ctx?.data;
    const selectedEntry = applications.find((a) => a.status === 'selected');
    const aip = cardValue(data, '82');
    const afl = cardValue(data, '94');
    const cvmList = cardValue(data, '8E');
    return {
      applicationsFrom: watch.usedAidList ? 'aid-list' : watch.pseAnswered ? 'pse' : 'none',
      applications,
      ...(selectedEntry === undefined ? {} : { selected: selectedEntry }),
      ...(aip === undefined ? {} : { aip: aipReport(aip) }),
      ...(afl === undefined ? {} : { afl: aflReport(afl) }),
      ...(cvmList === undefined ? {} : { cvmList: cvmListReport(cvmList, cardValue(data, '9F42')) }),
      ...(oda === undefined ? {} : { oda }),
      card: data === undefined ? {} : cardIdentity(data),
      ...(failure === undefined ? {} : { failure }),
    };
  } finally {
    ctx?.data.wipe();
  }
}

/** The first in priority order (final selection lists them so), whether or not it asks for confirmation. */
const highestPriority: ChooseApplication = (candidates) => Promise.resolve(candidates[0]);

function contextFor(env: KernelEnvironment, config: KernelConfig, request: TransactionRequest, candidate: Candidate): KernelContext {
  const data = new TransactionData();
  seedTerminalData(data, config.terminal, request, env.now(), env.unpredictableNumber());
  seedAidData(data, candidate.terminalAid);
  return { env, config, request, data, tvr: newTvr(), tsi: newTsi(), aid: candidate.terminalAid };
}

function cardValue(data: TransactionData | undefined, tag: string): Buffer | undefined {
  return data?.sourceOf(tag) === 'card' ? data.get(tag) : undefined;
}

const hex = (value: Uint8Array): string => Buffer.from(value).toString('hex').toUpperCase();

/** A SELECT by name the card answered, with its FCI when it gave one that parses. */
interface SelectSeen {
  readonly name: Buffer;
  readonly sw: number;
  readonly fci?: Fci;
}

/**
 * Watches selection's APDUs on their way: the SELECT answers while the
 * candidate list is built and during final selection, and the PSE's
 * directory records. It never throws on what a card answers (the kernel
 * judges that) and stops before the application's records are read.
 */
class SelectionWatch {
  readonly #inner: Transmit;
  #phase: 'candidates' | 'final' | 'off' = 'candidates';
  #readingDirectory = false;
  /** The card answered SELECT of the PSE with 90 00. */
  pseAnswered = false;
  readonly candidateSelects: SelectSeen[] = [];
  readonly finalSelects: SelectSeen[] = [];
  readonly directory: (readonly TlvNode[])[] = [];

  constructor(inner: Transmit) {
    this.#inner = inner;
  }

  readonly transmit: Transmit = async (command) => {
    const response = await this.#inner(command);
    if (this.#phase !== 'off') this.#observe(command, response);
    return response;
  };

  candidatesBuilt(): void {
    this.#phase = 'final';
  }

  stop(): void {
    this.#phase = 'off';
  }

  /** Whether the candidate list was built by SELECTing the terminal's AIDs (no PSE, or none of its entries matched). */
  get usedAidList(): boolean {
    return this.candidateSelects.length > 0;
  }

  #observe(command: Buffer, response: Buffer): void {
    if (response.length < SW_BYTES || command.length < HEADER_BYTES) return;
    const sw = response.readUInt16BE(response.length - SW_BYTES);
    const data = response.subarray(0, response.length - SW_BYTES);
    if (command[1] === INS.SELECT && command[2] === P1_BY_NAME) {
      const name = Buffer.from(command.subarray(HEADER_BYTES, HEADER_BYTES + (command[4] as number)));
      this.#readingDirectory = name.equals(PSE_NAME) && sw === SW.OK;
      if (name.equals(PSE_NAME)) {
        this.pseAnswered ||= sw === SW.OK;
        return;
      }
      const fci = sw === SW.OK || sw === SW.SELECTED_FILE_INVALIDATED ? parseFci(data) : undefined;
      (this.#phase === 'candidates' ? this.candidateSelects : this.finalSelects).push({ name, sw, ...(fci === undefined ? {} : { fci }) });
    } else if (this.#readingDirectory && command[1] === INS.READ_RECORD && sw === SW.OK) {
      this.directory.push(...(directoryEntries(data) ?? []));
    }
  }
}

/**
 * Every application the card showed: the candidates with what final
 * selection made of them, then those SELECT found blocked while the list was
 * built, then the PSE directory's entries the terminal has no AID for.
 */
function applicationsOf(candidates: readonly Candidate[], watch: SelectionWatch, selected: Candidate | undefined, refused: ReadonlySet<string>, config: KernelConfig): InspectedApplication[] {
  const out: InspectedApplication[] = candidates.map((candidate) => {
    const aid = hex(candidate.aid);
    const tried = watch.finalSelects.filter((s) => s.name.equals(candidate.aid)).at(-1);
    let status: ApplicationStatus = 'candidate';
    if (selected?.aid.equals(candidate.aid) === true) status = 'selected';
    else if (refused.has(aid)) status = 'gpo-refused';
    else if (tried !== undefined) status = tried.sw === SW.SELECTED_FILE_INVALIDATED ? 'blocked' : 'select-failed';
    const sw = status === 'blocked' || status === 'select-failed' ? { sw: swHex(tried?.sw ?? 0) } : {};
    return { ...describeCandidate(candidate), status, ...sw };
  });
  const listed = (dfName: Uint8Array): boolean => out.some((a) => a.aid === hex(dfName));
  for (const seen of watch.candidateSelects) {
    if (seen.sw !== SW.SELECTED_FILE_INVALIDATED || seen.fci === undefined || listed(seen.fci.dfName)) continue;
    const { fci } = seen;
    const blocked = toCandidate(
      { dfName: fci.dfName, label: proprietaryValue(fci, '50'), preferredName: proprietaryValue(fci, '9F12'), priorityIndicator: proprietaryValue(fci, '87'), issuerCodeTableIndex: proprietaryValue(fci, '9F11') },
      config,
    );
    if (blocked !== undefined) out.push({ ...describeCandidate(blocked), status: 'blocked', sw: swHex(seen.sw) });
  }
  for (const entry of watch.directory) {
    const dfName = primitiveChild(entry, '4F');
    if (dfName === undefined || dfName.length === 0 || listed(dfName) || matchTerminalAid(dfName, config.aids) !== undefined) continue;
    const label = primitiveChild(entry, '50');
    const priority = (primitiveChild(entry, '87')?.[0] ?? 0) & 0x0f;
    out.push({
      aid: hex(dfName),
      ...(label === undefined ? {} : { label: printableText(label) }),
      ...(priority === 0 ? {} : { priority }),
      confirmationRequired: ((primitiveChild(entry, '87')?.[0] ?? 0) & 0x80) !== 0,
      status: 'not-supported',
    });
  }
  return out;
}

function describeCandidate(candidate: Candidate): Omit<InspectedApplication, 'status'> {
  return {
    aid: hex(candidate.aid),
    ...(candidate.label === undefined ? {} : { label: candidate.label }),
    ...(candidate.preferredName === undefined ? {} : { preferredName: candidate.preferredName }),
    ...(candidate.priority === undefined ? {} : { priority: candidate.priority }),
    confirmationRequired: candidate.confirmationRequired,
    terminalAid: hex(candidate.terminalAid.aid),
  };
}
