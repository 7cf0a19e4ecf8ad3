/**
 * The terminal with a PC/SC contact reader, whole: the ECR API, the engine,
 * the terminal's own EMV kernel over the real pcscd, virtual chip cards in
 * vpcd, the virtual PIN pad and the in-process bank-host simulator checking
 * every ARQC, advice and reversal. The cardholder's moves are the demo's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoCases } from '../../src/app/demo.js';
import { PCSC_DEMO_CASES, PCSC_DEMO_FLOOR_LIMIT } from '../../src/app/demo-cases.js';
import { EcrClient } from '../../src/app/ecr-client.js';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { DEFAULT_AIDS } from '../../src/config/emv-schema.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TransactionResult } from '../../src/txn/result.js';
import { pcscStack, runsOver, titleFor } from '../drivers/pcsc/pcscd-harness.js';

const stack = await pcscStack();
const stateDir = mkdtempSync(join(tmpdir(), 'pos-pcsc-terminal-'));
const display = new RecordingDisplay();
let terminal: RunningTerminal;

/** TVR byte 1 (Book 3 Annex C5): SDA failed b7, DDA failed b4, CDA failed b3. */
const ODA_FAILED_BITS = 0x4c;
/** TSI byte 1 (Annex C6): offline data authentication was performed b8. */
const TSI_ODA_PERFORMED = 0x80;

function demoCase(name: string) {
  const found = PCSC_DEMO_CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no demo case "${name}"`);
  return found;
}

async function run(name: string): Promise<TransactionResult & { readonly asScripted: boolean }> {
  const [row] = await runDemoCases(terminal.ecrUrl, terminal.ecrToken, '978', [demoCase(name)]);
  if (row === undefined) throw new Error('no row');
  return row;
}

describe.skipIf(!runsOver(stack))(titleFor('the terminal with a PC/SC reader, over the real pcscd', stack), () => {
  beforeAll(async () => {
    if (!stack.ready) throw new Error(`the PC/SC stack is missing: ${stack.reason}`);
    const config = parseConfig({
      ecr: { port: 0 },
      devices: { reader: { type: 'virtual', model: 'pcsc' }, pinpad: { type: 'virtual' } },
      host: { type: 'simulator', timeoutMs: 3000 },
      storeAndForward: { enabled: true },
      emv: { aids: DEFAULT_AIDS.map((a) => (a.aid === 'A0000000031010' ? { ...a, floorLimit: PCSC_DEMO_FLOOR_LIMIT, tac: { ...a.tac, denial: '4C00000000' } } : a)) },
    });
    terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display, stateDir });
  }, 60_000);

  afterAll(async () => {
    await terminal?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a card approved offline below the floor limit: Y1 from the card, the TC, and its advice reaches the host once', async () => {
    const row = await run('approved offline by the card');
    expect(row).toMatchObject({ asScripted: true, status: 'approved', responseCode: 'Y1', entryMode: 'chip', offline: true });
    expect(row.emv).toMatchObject({ aid: 'A0000000031010', cryptogramType: 'TC', odaMethod: 'dda' });
    const advices = terminal.hostSimulator?.ledger.filter((e) => e.mti === '0220' || e.mti === '0221') ?? [];
    expect(advices).toHaveLength(1);
    expect(advices[0]).toMatchObject({ stan: row.stan, amountMinor: 800, maskedPan: '411111******1111' });
  }, 30_000);

  it('SDA online: the kernel authenticated the card, the host checked the ARQC, the card gave its TC', async () => {
    const row = await run('PC/SC chip, SDA, online');
    expect(row).toMatchObject({ asScripted: true, status: 'approved', responseCode: '00', entryMode: 'chip' });
    expect(row.emv?.odaMethod).toBe('sda');
    expect(row.emv?.cryptogramType).toBe('TC');
    expect(Buffer.from(row.emv?.tsi ?? '', 'hex')[0]! & TSI_ODA_PERFORMED).toBe(TSI_ODA_PERFORMED);
    expect(Buffer.from(row.emv?.tvr ?? '', 'hex')[0]! & ODA_FAILED_BITS).toBe(0);
  }, 30_000);

  it('CDA online on a Mastercard-style card', async () => {
    const row = await run('PC/SC chip, CDA, online');
    expect(row).toMatchObject({ asScripted: true, status: 'approved', brand: 'mastercard' });
    expect(row.emv).toMatchObject({ aid: 'A0000000041010', odaMethod: 'cda', cryptogramType: 'TC' });
  }, 30_000);

  it('a failed ODA is declined by the terminal action code: an AAC, nothing sent to the host', async () => {
    const before = terminal.hostSimulator?.ledger.length ?? 0;
    const row = await run('ODA failed: declined by TAC');
    expect(row).toMatchObject({ asScripted: true, status: 'declined', responseCode: 'Z1' });
    expect(row.emv?.cryptogramType).toBe('AAC');
    expect(Buffer.from(row.emv?.tvr ?? '', 'hex')[0]! & ODA_FAILED_BITS).not.toBe(0);
    expect(terminal.hostSimulator?.ledger.length).toBe(before);
  }, 30_000);

  it('a card pulled while completing: the host approval is reversed, and the register hears the card was removed', async () => {
    const row = await run('card pulled while completing');
    expect(row).toMatchObject({ asScripted: true, status: 'failed', errorCode: 'EMV_CARD_REMOVED', reason: 'CARD REMOVED - NOT COMPLETED' });
    const ecr = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
    const deadline = Date.now() + 10_000;
    while (((await ecr.health())['pendingReversals'] as number) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const reversals = terminal.hostSimulator?.ledger.filter((e) => e.mti.startsWith('04')) ?? [];
    expect(reversals.map((e) => e.stan)).toContain(row.stan);
    expect(display.shown.some((s) => s.reason === 'CARD REMOVED - NOT COMPLETED')).toBe(true);
  }, 30_000);

  it('an unreadable chip falls back to the paired stripe reader, flagged as fallback', async () => {
    const row = await run('chip unreadable, fallback swipe');
    expect(row).toMatchObject({ asScripted: true, status: 'approved', entryMode: 'fallback' });
  }, 30_000);

  it('a blocked application ends the read; no fallback is offered', async () => {
    const row = await run('blocked application');
    expect(row).toMatchObject({ asScripted: true, status: 'failed', errorCode: 'EMV_APPLICATION_BLOCKED', reason: 'CARD BLOCKED' });
  }, 30_000);
});
