/**
 * The EMV kernel's own cost (issue 13), in three parts:
 *
 * 1. Per transaction, per ODA method and with online PIN: a whole
 *    transaction (`EmvTransaction.start` → DE 55 data → `complete` with an
 *    issuer approval → summary → wipe) against a virtual card that costs
 *    nothing — one live transaction's exchanges replayed (`ReplayCard`; the
 *    clock, 9F37 and the random-selection draw are fixed, so the card's
 *    signatures and the issuer's ARPC verify on every replay and the kernel
 *    does every check it did live). Cross-checked against live runs on the
 *    virtual card with the card's time (every `transmit` timed) taken out.
 *    Peer: the virtual card's own time for the same transaction.
 * 2. ODA alone: certificate recovery and the SDA, DDA and CDA signature
 *    checks (`oda/` functions on the recorded card data), each beside the
 *    bare node:crypto RSA operation it rests on.
 * 3. The kernel's share of the time the same APDUs need on a T=0 line at the
 *    ISO 7816 default rate (`../emv-kernel/t0-wire.ts`).
 *
 * Targets (issue 13): < 3 ms of kernel time per transaction; < 2 % of the
 * wire time. Judged on the median, p90 beside it.
 */
import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { verifyCdaSignature } from '../../src/emv/kernel/oda/index.js';
import { recoverIccKey, recoverIssuerKey } from '../../src/emv/kernel/oda/certificates.js';
import type { RsaPublicKey } from '../../src/emv/kernel/oda/rsa.js';
import { verifyDdaSignature, verifySignedStaticData } from '../../src/emv/kernel/oda/signatures.js';
import { buildChipCard, type EmvChipCard } from '../../hw-mocks/chip-card/emv-chip-card.js';
import type { ApplicationImage } from '../../hw-mocks/chip-card/personalise.js';
import { ReplayCard, TimedCard, type RecordedExchange } from '../emv-kernel/cards.js';
import { odaInputs, type CardOdaInputs } from '../emv-kernel/oda-inputs.js';
import { runTransaction, type TransactionRun } from '../emv-kernel/run-transaction.js';
import { benchCas, benchTerminal, BENCH_NOW, issuerApproval, kernelDependencies, type BenchTerminal, type HostReply } from '../emv-kernel/setup.js';
import { compareInterleaved } from '../emv-kernel/interleaved.js';
import { ETU_PER_CHARACTER, ETU_PER_SECOND, t0Exchange, wireMs } from '../emv-kernel/t0-wire.js';
import type { BenchOptions, BenchSuite, CaseResult, Contender, SuiteReport } from '../harness.js';
import { median, percentile } from '../startup/stats.js';

/** The targets. */
const TARGET_KERNEL_MS = 3;
const TARGET_WIRE_SHARE_PERCENT = 2;

/** One row per ODA method, and online PIN (the others do signature or online PIN as their CVM lists say). */
const PROFILES = ['mastercard', 'visa-online-pin', 'visa-sda', 'visa-dda', 'visa-cda', 'mastercard-cda'] as const;

/** Replays and live runs per profile per round; rounds interleave the profiles so a busy spell falls on all alike. */
const PLAN = {
  full: { warmReplays: 60, warmLive: 5, rounds: 10, replays: 40, live: 6, odaRounds: 40 },
  quick: { warmReplays: 20, warmLive: 2, rounds: 3, replays: 12, live: 2, odaRounds: 10 },
} as const;
/** ODA checks are timed in batches of about this long, the contenders alternating. */
const ODA_BATCH_MS = 2;

/** EMV's highest contact clock (Book 1 §9.2: 1–5 MHz): the fastest the same line can run at F = 372, D = 1. */
const MAX_CLOCK_HZ = 5_000_000;

interface Subject {
  readonly profile: string;
  readonly chip: EmvChipCard;
  readonly timed: TimedCard;
  readonly reference: TransactionRun;
  readonly exchanges: readonly RecordedExchange[];
  readonly reply: HostReply | undefined;
  readonly app: ApplicationImage;
  readonly wire: { readonly tpdus: number; readonly characters: number; readonly ms: number };
  readonly replayMs: number[];
  readonly liveKernelMs: number[];
  readonly cardMs: number[];
}

/** A reply the kernel may keep or zero: a fresh copy for each replay. */
function copyReply(reply: HostReply | undefined): HostReply {
  if (reply === undefined) throw new Error('replay: the recorded transaction asked no issuer');
  return reply.kind === 'answered' ? { ...reply, arc: Buffer.from(reply.arc), issuerTlv: Buffer.from(reply.issuerTlv) } : reply;
}

async function replayOnce(terminal: BenchTerminal, subject: Pick<Subject, 'exchanges' | 'reply'>): Promise<TransactionRun> {
  const card = new ReplayCard(subject.exchanges);
  const reply = copyReply(subject.reply);
  const run = await runTransaction(kernelDependencies(terminal, card.transmit), () => reply);
  if (!card.finished) throw new Error('replay: the kernel stopped before the recorded transaction ended');
  return run;
}

async function liveOnce(terminal: BenchTerminal, subject: Pick<Subject, 'chip' | 'timed'>): Promise<{ kernelMs: number; cardMs: number }> {
  subject.chip.powerOn();
  subject.timed.reset();
  const run = await runTransaction(kernelDependencies(terminal, subject.timed.transmit), (summary) => issuerApproval(subject.chip.image, summary));
  return { kernelMs: run.elapsedMs - subject.timed.cardMs, cardMs: subject.timed.cardMs };
}

/** Builds the card, records one live transaction, and proves its replay is the same transaction. */
async function prepare(profile: string, terminal: BenchTerminal, cas: ReturnType<typeof benchCas>): Promise<Subject> {
  const chip = buildChipCard({ profile, ca: cas });
  chip.powerOn();
  const timed = new TimedCard(chip);
  timed.reset(true);
  let reply: HostReply | undefined;
  const reference = await runTransaction(kernelDependencies(terminal, timed.transmit), (summary) => (reply = issuerApproval(chip.image, summary)));
  if (reference.completion !== 'approved') throw new Error(`${profile}: the recorded transaction was not approved online (${reference.firstDecision}, ${reference.completion ?? '-'})`);
  const exchanges = timed.exchanges;
  const replayed = await replayOnce(terminal, { exchanges, reply });
  if (JSON.stringify(replayed.summary) !== JSON.stringify(reference.summary)) throw new Error(`${profile}: the replay ended otherwise than the recorded transaction`);
  let tpdus = 0;
  let characters = 0;
  for (const e of exchanges) {
    const line = t0Exchange(e.command, e.response);
    tpdus += line.tpdus;
    characters += line.readerCharacters + line.cardCharacters;
  }
  const app = chip.image.applications.find((a) => a.aid.toString('hex').toUpperCase() === reference.summary.aid);
  if (app === undefined) throw new Error(`${profile}: no application ${reference.summary.aid}`);
  return { profile, chip, timed, reference, exchanges, reply, app, wire: { tpdus, characters, ms: wireMs(characters) }, replayMs: [], liveKernelMs: [], cardMs: [] };
}

async function measure(terminal: BenchTerminal, subjects: readonly Subject[], plan: (typeof PLAN)[keyof typeof PLAN]): Promise<void> {
  for (const s of subjects) {
    for (let i = 0; i < plan.warmReplays; i++) await replayOnce(terminal, s);
    for (let i = 0; i < plan.warmLive; i++) await liveOnce(terminal, s);
  }
  for (let round = 0; round < plan.rounds; round++) {
    for (const s of subjects) {
      for (let i = 0; i < plan.replays; i++) s.replayMs.push((await replayOnce(terminal, s)).elapsedMs);
      for (let i = 0; i < plan.live; i++) {
        const live = await liveOnce(terminal, s);
        s.liveKernelMs.push(live.kernelMs);
        s.cardMs.push(live.cardMs);
      }
    }
  }
}

/** CVM Results (9F34) byte 1, b6–b1 (Book 3 Annex C3). */
function cvmName(cvmResults: string | undefined): string {
  const code = cvmResults === undefined ? undefined : Number.parseInt(cvmResults.slice(0, 2), 16) & 0x3f;
  return code === 0x02 ? 'online PIN' : code === 0x1e ? 'signature' : code === 0x1f ? 'no CVM' : code === undefined ? '-' : `CVM ${code.toString(16)}`;
}

// --- ODA alone -------------------------------------------------------------------------------------------

const BARE_KEPT = 'node:crypto RSA alone (key kept)';
const BARE_IMPORTED = 'node:crypto RSA alone (key imported per call)';

function importKey(key: RsaPublicKey): KeyObject {
  return createPublicKey({ key: { kty: 'RSA', n: key.modulus.toString('base64url'), e: key.exponent.toString('base64url') }, format: 'jwk' });
}

/** The RSA recovery a check rests on, with nothing around it: the floor for any ODA on node:crypto. */
function bareRsa(key: RsaPublicKey, signed: Buffer): Contender[] {
  const kept = importKey(key);
  return [
    { name: BARE_KEPT, fn: () => publicEncrypt({ key: kept, padding: constants.RSA_NO_PADDING }, signed) },
    { name: BARE_IMPORTED, fn: () => publicEncrypt({ key: importKey(key), padding: constants.RSA_NO_PADDING }, signed) },
  ];
}

/** A recovered key as a transaction has it: a new object each time (the CAPK is the table's own, kept). */
const fresh = (key: RsaPublicKey): RsaPublicKey => ({ modulus: key.modulus, exponent: key.exponent });

function ok(result: { readonly ok: boolean }, what: string): void {
  if (!result.ok) throw new Error(`${what}: the recorded data did not verify`);
}

interface OdaCase {
  readonly name: string;
  readonly fn: () => unknown;
  readonly bare: Contender[];
}

function odaCases(sda: CardOdaInputs, dda: CardOdaInputs, cda: CardOdaInputs): OdaCase[] {
  const { issuer, issuerKey, icc, iccKey } = dda;
  if (icc === undefined || iccKey === undefined || dda.dda === undefined || sda.signedStaticData === undefined || cda.cda === undefined || cda.iccKey === undefined) {
    throw new Error('oda: a card lacks the data its method needs');
  }
  const signedStatic = sda.signedStaticData;
  const internal = dda.dda;
  const combined = cda.cda;
  const cdaKey = cda.iccKey;
  const issuerRecovery = (): unknown => recoverIssuerKey({ ...issuer, now: BENCH_NOW, isRevoked: () => false });
  const iccRecovery = (): unknown => recoverIccKey({ ...icc, issuerKey: fresh(issuerKey), now: BENCH_NOW });
  const sdaCheck = (): unknown => verifySignedStaticData(fresh(sda.issuerKey), signedStatic, sda.staticData);
  const ddaCheck = (): unknown => verifyDdaSignature(fresh(iccKey), internal.sdad, internal.ddolData);
  const cdaCheck = (): unknown => verifyCdaSignature(fresh(cdaKey), combined.sdad, combined.unpredictableNumber, combined.cid, combined.hashInput);
  const bits = (key: RsaPublicKey): number => key.modulus.length * 8;
  const cases: OdaCase[] = [
    { name: `issuer key recovery (90, CA ${bits(issuer.capk)} bits)`, fn: issuerRecovery, bare: bareRsa(issuer.capk, issuer.certificate) },
    { name: `ICC key recovery (9F46, issuer ${bits(issuerKey)} bits)`, fn: iccRecovery, bare: bareRsa(issuerKey, icc.certificate) },
    { name: `SDA signature (93, issuer ${bits(sda.issuerKey)} bits)`, fn: sdaCheck, bare: bareRsa(sda.issuerKey, signedStatic) },
    { name: `DDA signature (9F4B, ICC ${bits(iccKey)} bits)`, fn: ddaCheck, bare: bareRsa(iccKey, internal.sdad) },
    { name: `CDA signature (9F4B in GENERATE AC, ICC ${bits(cdaKey)} bits)`, fn: cdaCheck, bare: bareRsa(cdaKey, combined.sdad) },
  ];
  for (const c of cases) ok(c.fn() as { ok: boolean }, c.name);
  return cases;
}

// --- the report --------------------------------------------------------------------------------------------

function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

const ms = (value: number): string => value.toFixed(3);
const met = (value: number, below: number): string => (value < below ? 'met' : 'NOT met');

function transactionCase(s: Subject): CaseResult {
  const kernel = median(s.replayMs);
  const card = median(s.cardMs);
  return {
    suite: 'emv-kernel',
    case: `transaction ${s.profile}`,
    opsPerSec: { 'kernel (replayed card)': 1000 / kernel, 'virtual card alone': 1000 / card },
    ratio: { 'virtual card alone': card / kernel },
    extra: {
      odaMethod: s.reference.summary.odaMethod,
      apdus: s.exchanges.length,
      t0Tpdus: s.wire.tpdus,
      t0Characters: s.wire.characters,
      wireMs: s.wire.ms,
      kernelMedianMs: kernel,
      kernelP90Ms: percentile(s.replayMs, 90),
      liveKernelMedianMs: median(s.liveKernelMs),
      cardMedianMs: card,
      wireSharePercent: (100 * kernel) / s.wire.ms,
      samples: s.replayMs.length,
      liveSamples: s.liveKernelMs.length,
    },
  };
}

function transactionTable(subjects: readonly Subject[]): string {
  const rows: string[][] = [
    ['profile', 'ODA', 'CVM', 'APDUs', 'T=0 TPDUs', 'T=0 chars', 'wire ms', 'kernel ms median', 'p90', 'live−card ms', 'card ms', 'kernel÷card', 'share of wire', `< ${TARGET_KERNEL_MS} ms`, `< ${TARGET_WIRE_SHARE_PERCENT} %`],
  ];
  for (const s of subjects) {
    const kernel = median(s.replayMs);
    const card = median(s.cardMs);
    const share = (100 * kernel) / s.wire.ms;
    rows.push([
      s.profile,
      s.reference.summary.odaMethod,
      cvmName(s.reference.summary.cvmResults),
      String(s.exchanges.length),
      String(s.wire.tpdus),
      String(s.wire.characters),
      s.wire.ms.toFixed(0),
      ms(kernel),
      ms(percentile(s.replayMs, 90)),
      ms(median(s.liveKernelMs)),
      ms(card),
      `×${(kernel / card).toFixed(2)}`,
      `${share.toFixed(3)} %`,
      met(kernel, TARGET_KERNEL_MS),
      met(share, TARGET_WIRE_SHARE_PERCENT),
    ]);
  }
  return formatTable(rows);
}

function odaTable(cases: readonly OdaCase[], results: readonly CaseResult[]): string {
  const rows: string[][] = [['ODA check', 'ops/s', 'µs/op', `÷ ${BARE_KEPT}`, `÷ ${BARE_IMPORTED}`]];
  cases.forEach((c, i) => {
    const r = results[i];
    const hz = r?.opsPerSec[c.name];
    const timeRatio = (peer: string): string => {
      const theirs = r?.opsPerSec[peer];
      return hz === undefined || hz === null || theirs === undefined || theirs === null ? '—' : `×${(theirs / hz).toFixed(2)} time`;
    };
    rows.push([c.name, hz === undefined || hz === null ? 'failed' : hz.toFixed(0), hz === undefined || hz === null ? '—' : (1e6 / hz).toFixed(1), timeRatio(BARE_KEPT), timeRatio(BARE_IMPORTED)]);
  });
  return formatTable(rows);
}

/** Microseconds per ODA check, by case index in `odaCases`' order. */
function odaMethodTable(results: readonly CaseResult[], cases: readonly OdaCase[], subjects: readonly Subject[]): string {
  const us = (i: number): number => {
    const hz = results[i]?.opsPerSec[cases[i]?.name ?? ''];
    return hz === undefined || hz === null ? Number.NaN : 1e6 / hz;
  };
  const [issuer, icc, sda, dda, cda] = [0, 1, 2, 3, 4].map(us) as [number, number, number, number, number];
  const kernelUs = (profile: string): number => 1000 * median(subjects.find((s) => s.profile === profile)?.replayMs ?? []);
  const methods: [string, string, number, string][] = [
    ['SDA', 'issuer key + 93', issuer + sda, 'visa-sda'],
    ['DDA', 'issuer key + ICC key + 9F4B', issuer + icc + dda, 'visa-dda'],
    ['CDA', 'issuer key + ICC key + 9F4B at both GENERATE ACs', issuer + icc + 2 * cda, 'visa-cda'],
  ];
  const rows: string[][] = [['ODA per transaction', 'checks', 'µs', '× SDA', 'share of the kernel time']];
  for (const [method, checks, total, profile] of methods) {
    rows.push([method, checks, total.toFixed(0), `×${(total / (issuer + sda)).toFixed(2)}`, `${((100 * total) / kernelUs(profile)).toFixed(0)} % of ${profile}`]);
  }
  return formatTable(rows);
}

export const suite: BenchSuite = {
  name: 'emv-kernel',
  async run(options: BenchOptions): Promise<SuiteReport> {
    const load = loadavg()[0] ?? 0;
    const setupStarted = performance.now();
    const cas = benchCas();
    const terminal = benchTerminal(cas);
    const subjects: Subject[] = [];
    for (const profile of PROFILES) subjects.push(await prepare(profile, terminal, cas));
    const setupMs = performance.now() - setupStarted;
    const plan = options.quick ? PLAN.quick : PLAN.full;
    await measure(terminal, subjects, plan);

    const byProfile = (profile: string): Subject => {
      const found = subjects.find((s) => s.profile === profile);
      if (found === undefined) throw new Error(`no ${profile}`);
      return found;
    };
    const inputsOf = (profile: string): CardOdaInputs => odaInputs(byProfile(profile).app, terminal.capks, byProfile(profile).exchanges);
    const cases = odaCases(inputsOf('visa-sda'), inputsOf('visa-dda'), inputsOf('visa-cda'));
    const odaResults = cases.map((c) => compareInterleaved('emv-kernel', c.name, { name: c.name, fn: c.fn }, c.bare, { rounds: plan.odaRounds, batchMs: ODA_BATCH_MS }));

    const worstKernel = Math.max(...subjects.map((s) => median(s.replayMs)));
    const worstShare = Math.max(...subjects.map((s) => (100 * median(s.replayMs)) / s.wire.ms));
    const worstP90 = Math.max(...subjects.map((s) => percentile(s.replayMs, 90)));
    const notes = [
      `kernel time: ${plan.rounds} rounds × ${plan.replays} replayed transactions per profile after ${plan.warmReplays} untimed, the profiles interleaved round by round; ` +
        `live: ${plan.rounds} × ${plan.live} on the virtual card, kernel = the transaction's time − the time inside the card's transmit (the two agree where the machine is quiet)`,
      'replay: the APDUs of one live transaction given back by a card that costs nothing, each command checked to be the recorded one; clock, 9F37 and the random-selection draw are fixed, ' +
        'so the SDAD, the CDA signatures and the ARPC recorded still verify and the kernel does every check (the replay is checked to end with the same summary: TVR, TSI, cryptograms)',
      'a transaction = EmvTransaction.start (selection … first GENERATE AC) + the online request\'s chip data + complete() with the issuer\'s approval (91 ARPC) + summary + wipe; the issuer\'s ARPC is made off the clock; the PIN pad answers at once',
      'peer "virtual card alone": the time the APDU-level virtual card (hw-mocks/chip-card) spends answering the same transaction, RSA signing and MACs included; kernel÷card is kernel time ÷ card time',
      `wire: T=0 as a reader sends it (EMV Book 1 Annex A: case 2 answered 6C then resent, case 4 answered 61 then GET RESPONSE), ${ETU_PER_CHARACTER} etu a character (start, 8 data, parity, 2 guard), ` +
        `${ETU_PER_SECOND.toFixed(0)} etu/s (F=372 D=1 at 3.5712 MHz); no ATR, no NULL bytes, no turnaround time: a floor, so the share is an upper bound. ` +
        `At EMV's highest clock (5 MHz) the same line is ×${(MAX_CLOCK_HZ / (ETU_PER_SECOND * 372)).toFixed(2)} faster, the share ×${(MAX_CLOCK_HZ / (ETU_PER_SECOND * 372)).toFixed(2)} larger`,
      `ODA alone: the oda/ functions on the recorded card data, ${plan.odaRounds} batches of ~${ODA_BATCH_MS} ms per contender, alternating, median; each recovered key is a new object per call as in a transaction (its node:crypto key is imported once per key object), the CAPK is the table's own (imported once)`,
      `targets: kernel per transaction < ${TARGET_KERNEL_MS} ms: ${met(worstKernel, TARGET_KERNEL_MS)} (worst median ${ms(worstKernel)} ms, worst p90 ${ms(worstP90)} ms); ` +
        `share of the wire time < ${TARGET_WIRE_SHARE_PERCENT} %: ${met(worstShare, TARGET_WIRE_SHARE_PERCENT)} (worst ${worstShare.toFixed(3)} %)`,
      `setup (CAs of 1984 bits, cards, recordings) ${setupMs.toFixed(0)} ms, untimed; ${cpus().length} CPUs, load average ${load.toFixed(2)} at the start; node ${process.version}`,
    ];
    const table = [
      'Per transaction (ms; kernel = replayed zero-cost card, median of the samples)',
      transactionTable(subjects),
      'ODA checks alone',
      odaTable(cases, odaResults),
      odaMethodTable(odaResults, cases, subjects),
    ].join('\n');
    return { suite: 'emv-kernel', cases: [...subjects.map(transactionCase), ...odaResults], notes, table };
  },
};
