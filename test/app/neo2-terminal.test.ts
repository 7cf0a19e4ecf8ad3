/**
 * The terminal with the virtual NEO 2, whole: the ECR API, the engine, the
 * reader configured at start from the config (its contactless groups and CA
 * keys included), and the in-process bank-host simulator. A tap under the
 * floor limit the terminal loaded is approved by the card, and its advice
 * reaches the host once; a tap the reader sends to the contact slot shows
 * INSERT CARD. The cardholder's moves are the demo's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoCases } from '../../src/app/demo.js';
import { CHIP_DEMO_CASES, NEO2_DEMO_ACQUIRER } from '../../src/app/demo-cases.js';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';

const stateDir = mkdtempSync(join(tmpdir(), 'pos-neo2-terminal-'));
const display = new RecordingDisplay();
let terminal: RunningTerminal;

function demoCase(name: string) {
  const found = CHIP_DEMO_CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no demo case "${name}"`);
  return found;
}

describe('the terminal with the virtual NEO 2', () => {
  beforeAll(async () => {
    const config = parseConfig({
      ecr: { port: 0 },
      devices: { reader: { type: 'virtual', model: 'chip' }, pinpad: { type: 'virtual' } },
      host: { type: 'simulator', timeoutMs: 3000 },
      ...NEO2_DEMO_ACQUIRER,
    });
    terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display, stateDir });
  }, 60_000);

  afterAll(async () => {
    await terminal?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a tap under the contactless floor limit: Y1 from the card, and its advice reaches the host once', async () => {
    const [row] = await runDemoCases(terminal.ecrUrl, terminal.ecrToken, '978', [demoCase('tap, offline approved under the floor limit, then its advice reaches the host')]);
    expect(row).toMatchObject({ asScripted: true, status: 'approved', responseCode: 'Y1', entryMode: 'contactless', offline: true });
    expect(row?.emv).toMatchObject({ aid: 'A0000000031010', cryptogramType: 'TC' });
    const advices = terminal.hostSimulator?.ledger.filter((e) => e.mti === '0220' || e.mti === '0221') ?? [];
    expect(advices).toHaveLength(1);
    expect(advices[0]).toMatchObject({ stan: row?.stan, amountMinor: 700, maskedPan: '411111******1111' });
  }, 30_000);

  it('a tap over the contactless transaction limit: the reader says insert card, the display shows INSERT CARD, the inserted chip is read', async () => {
    display.shown.length = 0;
    const [row] = await runDemoCases(terminal.ecrUrl, terminal.ecrToken, '978', [demoCase('tap over the limit: insert')]);
    expect(row).toMatchObject({ asScripted: true, entryMode: 'chip' });
    const prompts = display.shown.map((s) => s.prompt);
    expect(prompts).toContain('INSERT CARD');
    expect(prompts.indexOf('INSERT CARD')).toBeLessThan(prompts.indexOf('APPROVED'));
  }, 30_000);

  it('a tap over it goes online, no advice', async () => {
    const [row] = await runDemoCases(terminal.ecrUrl, terminal.ecrToken, '978', [demoCase('tap, online approved')]);
    expect(row).toMatchObject({ asScripted: true, responseCode: '00' });
    expect(terminal.hostSimulator?.ledger.filter((e) => e.mti === '0220' || e.mti === '0221')).toHaveLength(1);
  }, 30_000);
});
