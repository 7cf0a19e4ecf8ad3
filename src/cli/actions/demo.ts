/**
 * What `pos demo` does: the whole stack in simulation in one process, a
 * scripted set of purchases through the ECR API, and a table of how each
 * ended. Exit 0 when every case ended as scripted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoCases, formatDemoTable, type DemoRow } from '../../app/demo.js';
import { CHIP_DEMO_CASES, COUNTER_DEMO_ACQUIRER, COUNTER_DEMO_CASES, DEMO_CASES, ENCRYPTED_READER_DEMO_CASES, NEO2_DEMO_ACQUIRER, PCSC_DEMO_CASES, PCSC_DEMO_FLOOR_LIMIT } from '../../app/demo-cases.js';
import { startTerminal, type RunningTerminal } from '../../app/terminal.js';
import { DEFAULT_AIDS } from '../../config/emv-schema.js';
import { parseConfig } from '../../config/load.js';
import { RecordingDisplay } from '../../display/console-display.js';
import { createLogger, logLevelFromEnv } from '../../log/logger.js';
import { asPosError } from '../../util/errors.js';
import { EXIT_FAILURE, printJson } from '../errors.js';

/** What a machine without the PC/SC stack (pcscd, the smartcard addon, vsmartcard-vpcd) answers when the PC/SC set starts. */
const PCSC_STACK_MISSING: ReadonlySet<string> = new Set(['PCSC_SERVICE_UNAVAILABLE', 'PCSC_LIBRARY_UNAVAILABLE', 'PCSC_READER_NOT_FOUND', 'PCSC_VPCD_BUSY']);

/** Long enough for loopback, short enough that the "host not answering" case does not drag. */
const DEMO_HOST_TIMEOUT_MS = 1_500;
const VISA_AID = 'A0000000031010';
/** TVR byte 1: SDA failed (b7), DDA failed (b4), CDA failed (b3). */
const ODA_FAILED_DENIAL = '4C00000000';

/** The PC/SC set's acquirer: a failed ODA declines, and the Visa card may approve offline below the floor limit (its advice queued). */
const PCSC_ACQUIRER = {
  emv: { aids: DEFAULT_AIDS.map((a) => (a.aid === VISA_AID ? { ...a, floorLimit: PCSC_DEMO_FLOOR_LIMIT, tac: { ...a.tac, denial: ODA_FAILED_DENIAL } } : a)) },
  storeAndForward: { enabled: true },
};

export interface DemoOptions {
  readonly json?: boolean;
  readonly showDisplay?: boolean;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  // POS_LOG_LEVEL, when set, wins over the demo's quiet default (and an unknown one is refused).
  const level = logLevelFromEnv() ?? 'warn';
  const logger = createLogger({ level, name: 'pos-demo' });
  const sets = [
    { reader: { type: 'virtual', model: 'msr' }, pinpad: { type: 'none' }, cases: DEMO_CASES },
    { reader: { type: 'virtual', model: 'chip' }, pinpad: { type: 'virtual' }, cases: CHIP_DEMO_CASES, acquirer: NEO2_DEMO_ACQUIRER },
    { reader: { type: 'virtual', model: 'chip' }, pinpad: { type: 'virtual' }, printer: { type: 'virtual' }, cases: COUNTER_DEMO_CASES, acquirer: COUNTER_DEMO_ACQUIRER },
    { reader: { type: 'virtual', model: 'magtek-encrypting' }, pinpad: { type: 'none' }, cases: ENCRYPTED_READER_DEMO_CASES },
    { reader: { type: 'virtual', model: 'pcsc' }, pinpad: { type: 'virtual' }, cases: PCSC_DEMO_CASES, acquirer: PCSC_ACQUIRER },
  ] as const;
  const rows: DemoRow[] = [];
  for (const set of sets) {
    const config = parseConfig({
      ecr: { port: 0 },
      devices: { reader: set.reader, pinpad: set.pinpad, ...('printer' in set ? { printer: set.printer } : {}) },
      host: { type: 'simulator', timeoutMs: DEMO_HOST_TIMEOUT_MS },
      log: { level },
      ...('acquirer' in set ? set.acquirer : {}),
    });
    const stateDir = mkdtempSync(join(tmpdir(), 'pos-demo-'));
    let terminal: RunningTerminal;
    try {
      terminal = await startTerminal(config, {
        logger,
        displayOut: process.stderr,
        stateDir,
        ...(opts.showDisplay ? {} : { display: new RecordingDisplay() }),
      });
    } catch (err) {
      rmSync(stateDir, { recursive: true, force: true });
      const error = asPosError(err, 'pos demo');
      // A machine without pcscd or vpcd still runs the other cases; CI must have them all.
      if (set.reader.model !== 'pcsc' || !PCSC_STACK_MISSING.has(error.code) || process.env['CI'] === 'true') throw error;
      process.stderr.write(`The PC/SC cases are skipped: ${error.code}: ${error.message} (npm run setup installs pcscd and vsmartcard-vpcd; docs/protocols/pcsc-vpcd.md)\n`);
      continue;
    }
    try {
      rows.push(...(await runDemoCases(terminal.ecrUrl, terminal.ecrToken, config.terminal.currency, set.cases)));
    } finally {
      await terminal.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  if (opts.json) printJson(rows);
  else process.stdout.write(formatDemoTable(rows));
  const failed = rows.filter((r) => !r.asScripted).length;
  if (failed > 0) {
    process.stderr.write(`${failed} case(s) did not end as scripted\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
