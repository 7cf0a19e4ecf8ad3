/**
 * Card-data hygiene, end to end: everything the terminal and its tools write
 * while a technician works — `pos demo`, the crash test's terminal and
 * simulator processes (stdout with the `[display]` lines, stderr logs), its
 * ECR API responses, its journal and WAL as each power cut left them and as
 * they ended, `pos diag host`, `pos journal ls/show/export`, `pos tlv
 * decode`, `pos iso8583 decode`, `pos --help` — all at log level debug, then
 * searched for every deck PAN, track 2, clear PIN block and simulation key
 * in ASCII, hex and BCD. One hit fails, naming the file and the offset.
 *
 * So that a clean scan means something: the debug logs, display lines,
 * ECR transcript and journal files are checked to be there and non-empty,
 * and a positive control (`--unmasked` output, deliberately kept out of the
 * scanned set) proves the scanner finds a PAN where there is one.
 */
import { writeTerminalMacKeys } from '../../hw-mocks/keys/terminal-key-folder.js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostSim } from '../../bench/crash/host-sim.js';
import { runCrashTest, type CrashTestResult } from '../../bench/crash/run.js';
import { loadDeck } from '../../hw-mocks/cards/deck.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { encodeMessage } from '../../src/iso8583/message-codec.js';
import { scanForSecrets } from './card-secrets.js';
import { CLI, debugEnv, runPos, type PosRun } from './run-pos.js';

/** What is scanned, by a name that says where the bytes came from. */
const scanned: Record<string, Buffer> = {};
let crash: CrashTestResult | undefined;
let work = '';

function keep(name: string, run: PosRun): PosRun {
  scanned[`${name} (stdout)`] = run.stdout;
  scanned[`${name} (stderr)`] = run.stderr;
  return run;
}

function keepFiles(dir: string, label: string): string[] {
  const kept: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    scanned[`${label}/${name}`] = readFileSync(path);
    kept.push(name);
  }
  return kept;
}

const visaOk = loadDeck().cards.find((c) => c.id === 'visa-ok');
if (visaOk === undefined) throw new Error('deck without visa-ok');
const PAN = visaOk.pan;

/** A 0200 as the terminal sends it, with a deck PAN in DE 2. */
const REQUEST_HEX = encodeMessage(iso87ascii, {
  mti: '0200',
  fields: { 2: PAN, 3: '000000', 4: '000000000123', 7: '1124141435', 11: '000042', 22: '021', 41: 'T0000001', 42: 'M00000000000001', 49: '978' },
}).toString('hex');

/** A chip record with the PAN (5A), the track 2 equivalent (57, BCD with D) and the cardholder name. */
const track2 = `${PAN}D${visaOk.expiry}${visaOk.serviceCode}${visaOk.discretionary}`;
const track2Bcd = track2.length % 2 ? `${track2}F` : track2;
const TLV_HEX = (() => {
  const tlv = (tag: string, value: string) => tag + (value.length / 2).toString(16).padStart(2, '0') + value;
  const body = tlv('57', track2Bcd) + tlv('5A', PAN.length % 2 ? `${PAN}F` : PAN) + tlv('5F20', Buffer.from(visaOk.name, 'latin1').toString('hex'));
  return tlv('70', body);
})();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pos-hygiene-'));
  crash = await runCrashTest({ transactions: 40, kills: 6, seed: 11, cli: CLI, keep: true, logLevel: 'debug' });
}, 120_000);

afterAll(() => {
  if (crash !== undefined) rmSync(crash.root, { recursive: true, force: true });
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('card-data hygiene at log level debug', () => {
  it('pos demo', () => {
    const run = keep('pos demo --show-display', runPos(['demo', '--show-display']));
    expect(run.status).toBe(0);
    expect(run.stderr.toString()).toContain('"level":20');
  }, 120_000);

  it('the crash test: every terminal life, the simulator, the ECR responses, the journal and WAL', () => {
    const result = crash!;
    expect(result.ok).toBe(true);
    const logs = keepFiles(result.logDir, 'crash logs');
    const snapshots = keepFiles(result.snapshotDir, 'crash journal snapshots');
    const state = keepFiles(result.layout.stateDir, 'crash state');

    // Not vacuous: debug logs, display output, API responses and journal bytes are really there.
    const terminalStderr = logs.filter((n) => /^terminal-\d+\.stderr$/.test(n)).map((n) => scanned[`crash logs/${n}`]!.toString());
    expect(terminalStderr.length).toBe(result.lives);
    expect(terminalStderr.join('')).toContain('"level":20');
    expect(terminalStderr.join('')).toContain('card swiped');
    const terminalStdout = logs.filter((n) => /^terminal-\d+\.stdout$/.test(n)).map((n) => scanned[`crash logs/${n}`]!.toString());
    expect(terminalStdout.join('')).toContain('[display]');
    expect(scanned['crash logs/ecr-responses.log']!.toString()).toContain('"maskedPan"');
    expect(scanned['crash logs/host-sim.stderr']!.length).toBeGreaterThan(0);
    expect(state).toContain('journal.db');
    expect(scanned['crash state/journal.db']!.length).toBeGreaterThan(0);
    const wals = snapshots.filter((n) => n.endsWith('.db-wal'));
    expect(wals.length).toBeGreaterThan(0);
    expect(Math.max(...wals.map((n) => scanned[`crash journal snapshots/${n}`]!.length))).toBeGreaterThan(0);
    // The journal does hold the card, masked: proof the scanned bytes are the ones with card data in them.
    expect(scanned['crash state/journal.db']!.toString('latin1')).toContain(`${PAN.slice(0, 6)}******${PAN.slice(-4)}`);
  });

  it('pos diag host --json against a running simulator', async () => {
    const logDir = mkdtempSync(join(work, 'sim-'));
    const sim = await startHostSim({ cli: CLI, logDir, env: debugEnv(), faults: [] });
    try {
      const config = join(work, 'diag-config.json');
      const keysDir = join(work, 'diag-keys');
      mkdirSync(keysDir, { mode: 0o700 });
      writeTerminalMacKeys(keysDir);
      writeFileSync(
        config,
        JSON.stringify({ devices: { reader: { type: 'virtual' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: sim.isoPort, timeoutMs: 5000 }, keys: { dir: keysDir } }),
      );
      const run = keep('pos diag host --json', runPos(['--config', config, 'diag', 'host', '--json']));
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout.toString())).toMatchObject({ ok: true });
    } finally {
      await sim.child.stop(5_000);
    }
    keepFiles(logDir, 'diag host simulator');
  });

  it('pos journal ls / show / export --csv on the crash test journal', () => {
    const dir = crash!.layout.stateDir;
    expect(keep('pos journal ls', runPos(['journal', 'ls', '--dir', dir])).status).toBe(0);
    const json = keep('pos journal ls --json', runPos(['journal', 'ls', '--json', '--dir', dir]));
    expect(json.status).toBe(0);
    const entries = JSON.parse(json.stdout.toString()) as { id: string; state: string }[];
    const completed = entries.find((e) => e.state === 'completed');
    const reversed = entries.find((e) => e.state === 'reversed');
    expect(completed).toBeDefined();
    expect(reversed).toBeDefined();
    for (const e of [completed!, reversed!]) {
      expect(keep(`pos journal show ${e.state}`, runPos(['journal', 'show', e.id, '--dir', dir])).status).toBe(0);
    }
    const csv = keep('pos journal export --csv', runPos(['journal', 'export', '--csv', '--dir', dir]));
    expect(csv.status).toBe(0);
    expect(csv.stdout.toString().split('\r\n').length).toBeGreaterThan(entries.length);
  });

  it('pos tlv decode of a chip record with a track 2 equivalent', () => {
    const run = keep('pos tlv decode', runPos(['tlv', 'decode', TLV_HEX]));
    expect(run.status).toBe(0);
    expect(run.stdout.toString()).toMatch(/57/);
    expect(keep('pos tlv decode --json', runPos(['tlv', 'decode', '--json', TLV_HEX])).status).toBe(0);
  });

  it('pos iso8583 decode of a 0200 with a deck PAN, masked by default', () => {
    const run = keep('pos iso8583 decode', runPos(['iso8583', 'decode', REQUEST_HEX]));
    expect(run.status).toBe(0);
    expect(run.stdout.toString()).toContain(PAN.slice(0, 6));
    expect(keep('pos iso8583 decode --json', runPos(['iso8583', 'decode', '--json', REQUEST_HEX])).status).toBe(0);
  });

  it('pos --help', () => {
    expect(keep('pos --help', runPos(['--help'])).status).toBe(0);
  });

  it('positive control: the scanner finds the PAN in --unmasked output (not part of the scanned set)', () => {
    const control = runPos(['iso8583', 'decode', '--unmasked', REQUEST_HEX]);
    expect(control.status).toBe(0);
    const hits = scanForSecrets({ 'pos iso8583 decode --unmasked (control)': control.stdout });
    expect(hits.some((h) => h.startsWith('visa-ok PAN (ASCII) in pos iso8583 decode --unmasked (control)'))).toBe(true);
  });

  it('no card secret in any byte kept above', () => {
    const names = Object.keys(scanned);
    // Every step above contributed; the journal snapshots alone are several files.
    expect(names.length).toBeGreaterThan(25);
    expect(names.some((n) => n.includes('control'))).toBe(false);
    expect(scanForSecrets(scanned)).toEqual([]);
  });
});
