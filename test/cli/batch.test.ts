/**
 * `pos batch close` against a bank-host simulator over real TCP: purchases go
 * through a terminal composed as `pos run` composes it, then the built CLI
 * reconciles the journal's totals with the host's ledger.
 */
import { writeTerminalMacKeys } from '../../hw-mocks/keys/terminal-key-folder.js';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EcrClient } from '../../src/app/ecr-client.js';
import { startTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { Journal } from '../../src/txn/journal/index.js';
import { Sensitive } from '../../src/util/sensitive.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function simulatorOn(port = 0): Promise<BankHostSimulator> {
  const sim = new BankHostSimulator({ port });
  await sim.start();
  stops.push(() => sim.stop());
  return sim;
}

function terminalFiles(simPort: number, ecrPort = 0, more: Record<string, unknown> = {}): { configFile: string; raw: Record<string, unknown> } {
  const root = mkdtempSync(join(tmpdir(), 'pos-batch-'));
  const keys = join(root, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  writeFileSync(join(keys, 'ecr.token'), randomBytes(32).toString('hex'), { mode: 0o600 });
  writeTerminalMacKeys(keys);
  writeFileSync(join(keys, 'acquirer-advice.pub'), loadSimulationKeys().acquirerAdvicePublicPem, { mode: 0o600 });
  const raw = {
    ecr: { port: ecrPort },
    devices: { reader: { type: 'virtual' } },
    host: { type: 'iso8583-tcp', address: '127.0.0.1', port: simPort, timeoutMs: 3000, echoIntervalMs: 0 },
    journal: { dir: join(root, 'state') },
    keys: { dir: keys },
    log: { level: 'silent' },
    ...more,
  };
  const configFile = join(root, 'config.json');
  writeFileSync(configFile, JSON.stringify(raw));
  return { configFile, raw };
}

async function purchases(raw: Record<string, unknown>, cards: readonly [string, number][]): Promise<string[]> {
  const terminal = await startTerminal(parseConfig(raw), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay() });
  try {
    const ecr = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
    const statuses: string[] = [];
    for (const [card, amount] of cards) {
      const { id } = await ecr.purchase(amount, '978');
      await ecr.present(card);
      statuses.push((await ecr.get(id, true)).status ?? 'none');
    }
    return statuses;
  } finally {
    await terminal.close();
  }
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Runs the CLI without blocking this process: the simulator answering it lives here. */
function batchClose(configFile: string): Promise<{ status: number | null; json: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', '--config', configFile, 'batch', 'close', '--json'], { encoding: 'utf8', env: { ...process.env, POS_LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, json: JSON.parse(stdout || '{}') as Record<string, unknown>, stderr });
    });
  });
}

describe('pos batch close', () => {
  it('closes the batch when the host agrees with the journal, and starts the next one', async () => {
    const sim = await simulatorOn();
    const { configFile, raw } = terminalFiles(sim.port);
    expect(await purchases(raw, [['visa-ok', 1000], ['visa-ok', 250], ['mc-low-funds', 90_000]])).toEqual(['approved', 'approved', 'declined']);

    const first = await batchClose(configFile);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.json).toMatchObject({ batchNo: 1, inBalance: true, responseCode: '00', terminalTotals: { debitsCount: 2, debitsAmountMinor: 1250 }, hostTotals: { debitsCount: 2, debitsAmountMinor: 1250 } });
    expect(first.json['closedAt']).toEqual(expect.any(String));

    const second = await batchClose(configFile);
    expect(second.json).toMatchObject({ batchNo: 2, inBalance: true, terminalTotals: { debitsCount: 0 } });
  });

  it('goes through the running terminal: refused while a transaction runs, then closed with the terminal holding off new ones', async () => {
    const sim = await simulatorOn();
    const { configFile, raw } = terminalFiles(sim.port, await freePort());
    const terminal = await startTerminal(parseConfig(raw), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay() });
    stops.push(() => terminal.close());
    const ecr = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
    const sale = await ecr.purchase(1500, '978');
    await ecr.present('visa-ok');
    expect((await ecr.get(sale.id, true)).status).toBe('approved');

    const waiting = await ecr.purchase(300, '978');
    const busy = await batchClose(configFile);
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/ECR_CLIENT_REFUSED: .*409 TXN_BUSY/);
    await ecr.cancel(waiting.id);

    const closed = await batchClose(configFile);
    expect(closed.stderr).toBe('');
    expect(closed).toMatchObject({ status: 0, json: { batchNo: 1, inBalance: true, terminalTotals: { debitsCount: 1, debitsAmountMinor: 1500 } } });
    // The running terminal closed it: its own journal is in the next batch.
    expect(await ecr.batchClose()).toMatchObject({ batchNo: 2, inBalance: true, terminalTotals: { debitsCount: 0 } });
  });

  it('with the terminal stopped, forwards the queued offline advices (a refund too, where allowed) before the 0500, so the batch is in balance', async () => {
    const port = await freePort();
    const sim = new BankHostSimulator({ port });
    await sim.start();
    stops.push(() => sim.stop());
    const { configFile, raw } = terminalFiles(port, 0, {
      storeAndForward: { enabled: true, chipOnly: false, refundLimit: 1000, floorLimits: { visa: 5000 }, maxCount: 5, maxTotal: 20_000, flushIntervalMs: 3_600_000 },
    });
    const terminal = await startTerminal(parseConfig(raw), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay() });
    try {
      const ecr = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
      const sold = async (body: Parameters<EcrClient['start']>[0]) => {
        const { id } = await ecr.start(body);
        await ecr.present('visa-ok');
        return ecr.get(id, true);
      };
      const sale = await sold({ type: 'purchase', amount: 1800, currency: '978' });
      expect(sale).toMatchObject({ status: 'approved', responseCode: '00' });
      // The host goes away: a purchase and a refund of the sale the host approved are approved offline, their advices queued.
      await sim.stop();
      expect(await sold({ type: 'purchase', amount: 700, currency: '978' })).toMatchObject({ status: 'approved', responseCode: 'Y3' });
      expect(await sold({ type: 'refund', amount: 500, currency: '978', originalId: sale.id })).toMatchObject({ type: 'refund', status: 'approved', responseCode: 'Y3', offline: true });
    } finally {
      await terminal.close();
    }
    await sim.start();
    const closed = await batchClose(configFile);
    expect(closed.stderr).toBe('');
    expect(closed).toMatchObject({
      status: 0,
      json: { batchNo: 1, inBalance: true, terminalTotals: { debitsCount: 2, debitsAmountMinor: 2500, creditsCount: 1, creditsAmountMinor: 500 }, hostTotals: { debitsCount: 2, creditsCount: 1 } },
    });
    expect(sim.ledger.filter((e) => e.mti !== '0800').map((e) => [e.mti, e.kind, e.responseCode])).toEqual([
      ['0200', 'purchase', '00'],
      ['0220', 'purchase', '00'],
      ['0220', 'refund', '00'],
      ['0500', null, '00'],
    ]);
  });

  it('with the terminal stopped after an unclean stop, recovers the journal: the request left unanswered is reversed before the 0500', async () => {
    const sim = await simulatorOn();
    const { configFile, raw } = terminalFiles(sim.port);
    const stateDir = (raw['journal'] as { dir: string }).dir;
    // What a terminal killed mid-request leaves: a purchase sent, no answer recorded.
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const journal = Journal.open({ dir: stateDir, terminalId: 'T0000001' });
    journal.steps.begin({ id: 'cut-off', amountMinor: 1200, currency: '978', card: { pan: Sensitive.pan('4111111111111111'), brand: 'visa', entryMode: 'swipe' } });
    journal.steps.requestSent('cut-off', { stan: journal.stan.next(), transmittedAt: new Date() });
    journal.close();

    const closed = await batchClose(configFile);
    expect(closed.stderr).toBe('');
    // The host never had it (its reversal is answered 25): it is in neither side's totals, and the batch closes.
    expect(closed).toMatchObject({ status: 0, json: { batchNo: 1, inBalance: true, pendingReversals: 0, terminalTotals: { debitsCount: 0, debitsReversalCount: 0 } } });
    // The reversal names the request the journal left sent (STAN 000001), and goes before the 0500.
    expect(sim.ledger.filter((e) => e.mti !== '0800').map((e) => [e.mti, e.mti === '0400' ? e.originalStan : null])).toEqual([
      ['0400', '000001'],
      ['0500', null],
    ]);
    const after = Journal.open({ dir: stateDir, terminalId: 'T0000001' });
    try {
      expect(after.get('cut-off')).toMatchObject({ state: 'reversed', errorCode: 'JOURNAL_INTERRUPTED' });
    } finally {
      after.close();
    }
  });

  it('never touches the journal of a terminal that is starting, and a second terminal refuses the folder', async () => {
    const sim = await simulatorOn();
    const { configFile, raw } = terminalFiles(sim.port);
    // A live process marked as the terminal, not ready yet: no ECR URL to ask.
    const starting = spawn('sleep', ['30'], { stdio: 'ignore' });
    stops.push(() => Promise.resolve(void starting.kill()));
    const stateDir = (raw['journal'] as { dir: string }).dir;
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(stateDir, 'terminal.pid'), JSON.stringify({ pid: starting.pid, bootId: null, startTime: null, ecrUrl: null }));
    const refused = await batchClose(configFile);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/ECR_TERMINAL_RUNNING: .*is starting/);
    expect(sim.ledger.filter((e) => e.mti === '0500')).toEqual([]);
    await expect(startTerminal(parseConfig(raw), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay() })).rejects.toMatchObject({ code: 'JOURNAL_IN_USE' });
  });

  it('keeps the batch open and shows both sides when the host disagrees', async () => {
    const sim = await simulatorOn();
    const { configFile, raw } = terminalFiles(sim.port);
    await purchases(raw, [['visa-ok', 700]]);
    // A host that lost its ledger (a new simulator on the same port) knows nothing of the purchase.
    const port = sim.port;
    await sim.stop();
    await simulatorOn(port);
    const result = await batchClose(configFile);
    expect(result.status).toBe(1);
    expect(result.json).toMatchObject({ batchNo: 1, inBalance: false, responseCode: '95', terminalTotals: { debitsCount: 1, debitsAmountMinor: 700 }, hostTotals: { debitsCount: 0 }, closedAt: null });
    // Still the same batch: nothing was closed.
    expect((await batchClose(configFile)).json).toMatchObject({ batchNo: 1, inBalance: false });
  });
});
