/**
 * `pos diag card` over the real PC/SC stack: a virtual DDA card put into
 * pcscd through vpcd (a claimed slot), read by the command as a technician
 * runs it — the config file naming the reader and the CA key, the real
 * PC/SC driver, INTERNAL AUTHENTICATE over the wire — and what it prints.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listPcscReaders, type PcscReaderEntry } from '../../../drivers/pcsc/reader-list.js';
import type { CardReport } from '../../../src/cli/actions/diag-card.js';
import { buildChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { insertIntoVpcd, type VpcdInsertion } from '../../../hw-mocks/vpcd/vpcd-card.js';
import { claimVpcdSlot, type VpcdSlot } from '../../../hw-mocks/vpcd/vpcd-slot-lock.js';
import { runCli } from '../../cli/in-process.js';
import { testCas } from '../chip-card/harness.js';
import { pcscStack, runsOver, titleFor } from './pcscd-harness.js';

/** The deck card the profile carries (hw-mocks/cards/deck.json). */
const VISA_PAN = '4111111111111111';

const stack = await pcscStack();
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hex = (bytes: Buffer): string => bytes.toString('hex').toUpperCase();

let slot: VpcdSlot | undefined;
let inserted: VpcdInsertion | undefined;
let dir: string | undefined;

/** Waits until pcscd reports the reader's slot so (it polls vpcd about every 400 ms): each test starts from a settled slot. */
async function settled(readerName: string, card: PcscReaderEntry['card']): Promise<void> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    const listing = await listPcscReaders();
    if (listing.status === 'ok' && listing.readers.some((r) => r.name === readerName && r.card === card)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`pcscd did not report ${readerName} ${card} within 5 s`);
}

async function insert(profile: string): Promise<VpcdSlot> {
  const vpcd = slot as VpcdSlot;
  inserted = await insertIntoVpcd(buildChipCard({ profile, ca: testCas() }), { port: vpcd.port });
  await settled(vpcd.readerName, 'present');
  return vpcd;
}

afterEach(async () => {
  await inserted?.remove();
  inserted = undefined;
  if (slot !== undefined) await settled(slot.readerName, 'empty');
});

afterAll(() => {
  slot?.release();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A config file as a site would write it: the PC/SC reader by name, and the CA key that certified the card. */
function configFile(readerName: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pos-diag-card-'));
  const path = join(dir, 'config.json');
  const capks = testCas().map(({ capk }) => ({ rid: hex(capk.rid), index: capk.index, modulus: hex(capk.modulus), exponent: hex(capk.exponent), expiry: capk.expiry, checksum: hex(capk.checksum) }));
  writeFileSync(path, JSON.stringify({ host: { type: 'simulator' }, devices: { reader: { type: 'pcsc', readerName: `^${escape(readerName)}$` } }, emv: { capks } }));
  return path;
}

describe.skipIf(!runsOver(stack))(titleFor('pos diag card over the real pcscd and vpcd', stack), () => {
  beforeAll(async () => {
    if (!stack.ready) throw new Error(`the PC/SC stack is missing: ${stack.reason}`); // CI: fail at once, not after a timeout
    testCas();
    slot = await claimVpcdSlot();
    await settled(slot.readerName, 'empty');
  });

  it('reads the inserted DDA card: the configured reader, ATR, application, DDA verified over the wire, masked PAN only', async () => {
    const vpcd = await insert('visa-dda');
    const run = await runCli(['--config', configFile(vpcd.readerName), 'diag', 'card', '--json', '--wait', '10']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain(VISA_PAN);
    expect(run.stdout).not.toMatch(/411111111111/);
    const report = JSON.parse(run.stdout) as CardReport;
    expect(report.reader).toMatchObject({ name: vpcd.readerName, chosenBy: 'config' });
    expect(report.atr).toBe('3B6800000073C84012009000');
    expect(report.selected).toMatchObject({ aid: 'A0000000031010', label: 'VISA CREDIT', status: 'selected' });
    expect(report.oda).toMatchObject({ method: 'dda', status: 'verified', caKey: { rid: 'A000000003', found: true } });
    expect(report.card).toEqual({ maskedPan: '411111******1111', expiry: '2030-12-31' });
    expect(inserted?.commands()).toBeGreaterThan(5);
  });

  it('human output, the reader named with --reader', async () => {
    const vpcd = await insert('visa-dda');
    const run = await runCli(['--config', configFile('no such reader'), 'diag', 'card', '--reader', escape(vpcd.readerName), '--wait', '10']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Reader        ${vpcd.readerName} (chosen by --reader)\n`);
    expect(run.stdout).toContain('ODA           DDA verified');
    expect(run.stdout).toContain('Card          411111******1111, expires 2030-12-31\n');
    expect(run.stdout).not.toContain(VISA_PAN);
  });

  it('no card in the reader within --wait: PCSC_NO_CARD naming the reader, exit 1', async () => {
    const vpcd = slot as VpcdSlot;
    const run = await runCli(['--config', configFile(vpcd.readerName), 'diag', 'card', '--wait', '2']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(`PCSC_NO_CARD: No card was inserted in ${vpcd.readerName} within 2 s\n`);
    expect(run.stdout).toBe('');
  });
});
