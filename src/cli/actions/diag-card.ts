/**
 * What `pos diag card [--json] [--reader <regex>] [--wait <seconds>] [--aid
 * <hex>]` does: reads the chip card in a PC/SC reader as a technician needs
 * it, without running a transaction — the ATR, the card's applications and
 * their labels (and what became of each), the selected AID, AIP and AFL, the
 * CVM list in words, the ODA method and whether it verified, the masked PAN
 * and the expiry date. The kernel's steps do the reading
 * (`src/emv/kernel/card-inspection.ts`); GENERATE AC is never sent.
 *
 * The reader: `--reader` wins; else a `pcsc` reader's `readerName` from the
 * config; else (a virtual reader, or no PC/SC reader configured) the first
 * reader pcscd lists. The report says which was used and why. With no card
 * in it, the command waits `--wait` seconds (default 10) for one, then
 * fails: `PCSC_NO_CARD`, `PCSC_READER_NOT_FOUND` (no reader matches),
 * `PCSC_SERVICE_UNAVAILABLE` (pcscd not running), exit 1.
 *
 * The CA public keys are the config's (`emv.capkSets`, `emv.capks`): a
 * virtual card's simulation CA lives in the process that serves the card, so
 * from here its ODA reports the CA key as missing, naming RID and index.
 *
 * Exit 0 when the card was read to the end (whatever ODA found), 1 when a
 * step failed (the report shows how far it got), 2 for the config or the
 * command line. Nothing printed holds more of the PAN than its first six and
 * last four digits.
 */
import { openPcscSlot, type CardSession, type PcscSlot, type PcscSlotOptions } from '../../../drivers/pcsc/pcsc-slot.js';
import { chipKernelOf } from '../../app/chip-kernel.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { inspectCard, type CardInspection } from '../../emv/kernel/card-inspection.js';
import { formatAmount, type InspectedApplication } from '../../emv/kernel/card-inspection-report.js';
import type { Capk } from '../../emv/kernel/config.js';
import { currencyByNumeric } from '../../emv/iso-codes.js';
import { silentLogger } from '../../log/logger.js';
import { PosError } from '../../util/errors.js';
import { EXIT_FAILURE, printJson } from '../errors.js';

export interface DiagCardOptions {
  readonly json: boolean;
  /** A regular expression over pcscd's reader names. */
  readonly reader?: string;
  readonly waitSeconds: number;
  /** The DF name of the application to read, hex. */
  readonly aid?: string;
}

export interface DiagCardDeps {
  readonly openSlot: (options: PcscSlotOptions) => Promise<PcscSlot>;
  readonly now: () => Date;
  /** CA public keys besides the config's (tests: the test CA that certified the card). */
  readonly extraCapks?: readonly Capk[];
}

export const REAL_DEPS: DiagCardDeps = { openSlot: openPcscSlot, now: () => new Date() };

export type ReaderChoice = 'option' | 'config' | 'first-reader';

export interface CardReport extends CardInspection {
  readonly reader: { readonly name: string; readonly chosenBy: ReaderChoice; readonly pattern: string };
  /** The Answer To Reset, hex (ISO/IEC 7816-3 §8; not card data). */
  readonly atr: string;
  readonly protocol: string;
}

/** Exponent of the terminal's currency when ISO 4217's table here does not know it. */
const DEFAULT_CURRENCY_EXPONENT = 2;

/** `--reader`, else a pcsc reader's `readerName`, else any reader (the first pcscd lists). */
export function readerPatternOf(config: Config, option: string | undefined): { readonly pattern: RegExp; readonly chosenBy: ReaderChoice } {
  if (option !== undefined) return { pattern: new RegExp(option, 'u'), chosenBy: 'option' };
  const reader = config.devices.reader;
  if (reader.type === 'pcsc') return { pattern: new RegExp(reader.readerName, 'u'), chosenBy: 'config' };
  return { pattern: /(?:)/u, chosenBy: 'first-reader' };
}

/** Waits for the card, reads it, lets it go. Throws the reader's and the config's errors; a card's failure is in the report. */
export async function collectCardReport(config: Config, opts: Omit<DiagCardOptions, 'json'>, deps: DiagCardDeps = REAL_DEPS): Promise<CardReport> {
  const kernel = chipKernelOf(config, { now: deps.now, ...(deps.extraCapks === undefined ? {} : { extraCapks: deps.extraCapks }) });
  const { pattern, chosenBy } = readerPatternOf(config, opts.reader);
  const slot = await deps.openSlot({ readerPattern: pattern, logger: silentLogger });
  try {
    const session = await waitForCard(slot, pattern, opts.waitSeconds);
    try {
      const inspection = await inspectCard(session.transmit, {
        config: kernel.config,
        capks: kernel.capks,
        now: kernel.now,
        unpredictableNumber: kernel.unpredictableNumber,
        currency: config.terminal.currency,
        currencyExponent: currencyByNumeric(Number(config.terminal.currency))?.exponent ?? DEFAULT_CURRENCY_EXPONENT,
        ...(opts.aid === undefined ? {} : { aid: Buffer.from(opts.aid, 'hex') }),
      });
      return { reader: { name: session.reader, chosenBy, pattern: pattern.source }, atr: session.atr.toString('hex').toUpperCase(), protocol: session.protocol, ...inspection };
    } finally {
      session.disconnect();
    }
  } finally {
    await slot.close();
  }
}

/** The card in the reader now or inserted within `waitSeconds`; else why not, as the slot saw it. */
async function waitForCard(slot: PcscSlot, pattern: RegExp, waitSeconds: number): Promise<CardSession> {
  const signal = AbortSignal.timeout(waitSeconds * 1000);
  try {
    return await slot.waitForCard(signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    const { state, reader } = slot.state();
    switch (state) {
      case 'no-reader':
        throw new PosError('PCSC_READER_NOT_FOUND', `pcscd lists no reader matching /${pattern.source}/ (pos diag devices lists them)`, { pattern: pattern.source });
      case 'empty':
        throw new PosError('PCSC_NO_CARD', `No card was inserted in ${reader ?? 'the reader'} within ${waitSeconds} s`, { ...(reader === undefined ? {} : { reader }), waitSeconds });
      case 'card-present':
        throw new PosError('PCSC_CONNECT_FAILED', `The card in ${reader ?? 'the reader'} could not be connected within ${waitSeconds} s`, { ...(reader === undefined ? {} : { reader }), failure: 'timeout' });
      case 'starting':
      case 'no-service':
      case 'closed':
        throw new PosError('PCSC_SERVICE_UNAVAILABLE', 'pcscd is not running: start it (systemctl start pcscd.socket) or install it (apt-get install pcscd)', { failure: state });
    }
  }
}

export async function diagCard(opts: DiagCardOptions, config: Config, deps: DiagCardDeps = REAL_DEPS): Promise<void> {
  const report = await collectCardReport(config, opts, deps);
  if (opts.json) printJson(report);
  else process.stdout.write(formatCardReport(report));
  if (report.failure !== undefined) process.exitCode = EXIT_FAILURE;
}

export async function runDiagCard(opts: DiagCardOptions, configPath: string | undefined): Promise<void> {
  const { config } = loadConfig({ path: configPath });
  await diagCard(opts, config);
}

// ── The human-readable form ──────────────────────────────────────────────

const CHOSEN_BY: Readonly<Record<ReaderChoice, string>> = {
  option: 'chosen by --reader',
  config: 'the configured readerName',
  'first-reader': 'the first PC/SC reader: no PC/SC reader is configured',
};

const FROM: Readonly<Record<CardReport['applicationsFrom'], string>> = {
  pse: 'from the PSE directory',
  'aid-list': 'by SELECT of the terminal’s AIDs (no usable PSE)',
  none: 'none found',
};

function statusText(app: InspectedApplication): string {
  switch (app.status) {
    case 'selected':
      return 'selected';
    case 'candidate':
      return 'candidate (not selected)';
    case 'blocked':
      return `blocked (${app.sw ?? '6283'})`;
    case 'select-failed':
      return `SELECT failed (${app.sw ?? '-'})`;
    case 'gpo-refused':
      return 'refused at GET PROCESSING OPTIONS (6985)';
    case 'not-supported':
      return 'not supported: no terminal AID for it';
  }
}

const LABEL_WIDTH = 14;
const field = (name: string, value: string): string => `${name.padEnd(LABEL_WIDTH)}${value}`;
const spaced = (hexText: string): string => hexText.replace(/(..)(?=.)/g, '$1 ');

export function formatCardReport(report: CardReport): string {
  const lines = [
    field('Reader', `${report.reader.name} (${CHOSEN_BY[report.reader.chosenBy]})`),
    field('ATR', `${spaced(report.atr)} (${report.protocol})`),
    field('Applications', FROM[report.applicationsFrom]),
  ];
  for (const app of report.applications) {
    const name = app.preferredName ?? app.label ?? '-';
    const priority = [app.priority === undefined ? 'no priority' : `priority ${app.priority}`, ...(app.confirmationRequired ? ['confirmation'] : [])].join(', ');
    lines.push(`  ${app.aid.padEnd(32)} ${name.padEnd(16)} ${priority.padEnd(26)} ${statusText(app)}`.trimEnd());
  }
  const { selected, aip, afl, cvmList, oda, card, failure } = report;
  if (selected !== undefined) lines.push(field('Selected', `${selected.aid} ${selected.preferredName ?? selected.label ?? ''}${selected.terminalAid === undefined ? '' : ` (terminal AID ${selected.terminalAid})`}`.trimEnd()));
  if (aip !== undefined) lines.push(field('AIP', `${aip.hex}: ${aip.bits.length === 0 ? 'nothing supported' : aip.bits.join(', ')}`));
  if (afl !== undefined) {
    const entries = afl.entries.map((e) => `SFI ${e.sfi} ${e.firstRecord === e.lastRecord ? `record ${e.firstRecord}` : `records ${e.firstRecord}-${e.lastRecord}`}${e.odaRecords > 0 ? ` (${e.odaRecords} for ODA)` : ''}`);
    lines.push(field('AFL', `${afl.hex}: ${entries.join('; ')}`));
  }
  if (cvmList === undefined) {
    if (aip !== undefined) lines.push(field('CVM list', 'none on the card'));
  } else if (!cvmList.valid) {
    lines.push(field('CVM list', `malformed (${cvmList.lengthBytes} bytes): not amounts X and Y followed by whole rules`));
  } else {
    lines.push(field('CVM list', `X = ${formatAmount(cvmList.amountX, cvmList.currency)}, Y = ${formatAmount(cvmList.amountY, cvmList.currency)}`));
    cvmList.rules.forEach((rule, i) => lines.push(`  ${i + 1}. ${rule.text} [${rule.code} ${rule.condition}]`));
  }
  if (oda !== undefined) {
    const key = oda.caKey === undefined ? '' : ` — CA key ${oda.caKey.rid} index ${oda.caKey.index}: ${oda.caKey.found ? 'in the terminal' : 'NOT in the terminal'}`;
    lines.push(field('ODA', `${oda.text}${key}`));
  }
  if (card.maskedPan !== undefined || card.expiry !== undefined) lines.push(field('Card', `${card.maskedPan ?? 'PAN unreadable'}${card.expiry === undefined ? '' : `, expires ${card.expiry}`}`));
  if (failure !== undefined) lines.push(field('FAILED', `at ${failure.step}: ${failure.code}: ${failure.message}`));
  return lines.join('\n') + '\n';
}
