/**
 * Store-and-forward end to end over real TCP: the terminal composed as
 * `pos run` composes it for an `iso8583-tcp` host, with the bank-host
 * simulator's port closed. Purchases are approved offline; the simulator
 * comes back on the same port; the flush sends one 0220 per offline approval,
 * exactly once, and the journal shows them sent.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { terminalKeyFolder } from './terminal-key-folder.js';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { lsCommand } from '../../src/cli/actions/journal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { MTI } from '../../src/host/messages/constants.js';
import { silentLogger } from '../../src/log/logger.js';
import { JournalReader } from '../../src/txn/journal/index.js';
import { journalBytes } from '../txn/journal-helpers.js';

const VISA_OK_PAN = '4111111111111111';
const ADVICES: ReadonlySet<string> = new Set([MTI.financialAdvice, MTI.financialAdviceRepeat]);

let terminal: RunningTerminal;
let simulator: BankHostSimulator | undefined;
let port = 0;
const stateDir = mkdtempSync(join(tmpdir(), 'pos-offline-'));
const display = new RecordingDisplay();

beforeAll(async () => {
  // Take a free port, then close it: the host is down when the terminal starts.
  port = await closedPort();

  const config = parseConfig({
    ecr: { port: 0 },
    devices: { reader: { type: 'virtual' } },
    host: { type: 'iso8583-tcp', address: '127.0.0.1', port, timeoutMs: 2000, echoIntervalMs: 0 },
    keys: { dir: terminalKeyFolder('pos-offline-keys-', '33') },
    // The virtual magstripe reader has no chip: swipes may go offline here.
    storeAndForward: { enabled: true, chipOnly: false, floorLimits: { visa: 5000 }, maxCount: 5, maxTotal: 20_000, flushIntervalMs: 3_600_000 },
  });
  terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display, stateDir });
});

afterAll(async () => {
  await terminal.close();
  await simulator?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(terminal.ecrUrl + path, { method, headers: ecrHeaders(terminal), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function purchase(amount: number, card = 'visa-ok'): Promise<Record<string, unknown>> {
  const started = await call('POST', '/v1/transactions', { type: 'purchase', amount, currency: '978' });
  expect(started.status).toBe(201);
  expect((await call('POST', '/v1/simulator/present', { card, entry: 'swipe' })).status).toBe(202);
  return (await call('GET', `/v1/transactions/${String(started.json['id'])}?wait=true`)).json;
}

function journalStates(): Record<string, string> {
  const reader = JournalReader.open(stateDir);
  try {
    return Object.fromEntries(reader.list().map((e) => [e.id, e.state]));
  } finally {
    reader.close();
  }
}

describe('store-and-forward over TCP', () => {
  const offline: Record<string, unknown>[] = [];

  it('approves offline while the host is unreachable, and says so in /v1/health', async () => {
    offline.push(await purchase(1500), await purchase(700));
    for (const result of offline) {
      expect(result).toMatchObject({ status: 'approved', responseCode: 'Y3', offline: true, rrn: null });
      expect(result['authCode']).toMatch(/^Y\d{5}$/);
    }
    expect(display.shown.at(-1)).toMatchObject({ kind: 'approved', prompt: 'APPROVED (OFFLINE)' });
    // Over the floor limit: no offline approval, the purchase fails as before.
    expect(await purchase(5001)).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE' });

    const health = await call('GET', '/v1/health');
    expect(health.json['offlineApprovals']).toEqual({ queued: 2, queuedTotal: 2200, expired: 0, expiredRefunds: { count: 0, amountMinor: 0 } });
    const states = journalStates();
    expect(offline.map((r) => states[String(r['id'])])).toEqual(['advice-pending', 'advice-pending']);
  });

  it('keeps no PAN in the journal files, only the sealed advice data', () => {
    const bytes = journalBytes(stateDir);
    expect(bytes).toContain('411111******1111');
    expect(bytes).not.toContain(VISA_OK_PAN);
    expect(bytes).not.toContain(Buffer.from(VISA_OK_PAN, 'hex').toString('latin1'));
  });

  it('a flush while the host is still down sends nothing and keeps the queue', async () => {
    const result = await terminal.advices?.drain();
    expect(result).toMatchObject({ sent: [], remaining: 2, heldByReversals: false, error: { code: 'HOST_UNREACHABLE' } });
  });

  it('sends one 0220 per offline approval, in order, once the host is back — and never again', async () => {
    simulator = new BankHostSimulator({ host: '127.0.0.1', port, logger: silentLogger });
    await simulator.start();
    const result = await terminal.advices?.drain();
    expect(result).toMatchObject({ sent: offline.map((r) => r['id']), remaining: 0, error: null });

    const advices = simulator.ledger.filter((e) => ADVICES.has(e.mti));
    // The try above never reached the host, so this is each advice's first send: a 0220, not a 0221.
    expect(advices.map((e) => [e.mti, e.stan, e.amountMinor, e.responseCode, e.maskedPan])).toEqual(
      offline.map((r) => [MTI.financialAdvice, r['stan'], r['amount'], '00', '411111******1111']),
    );
    expect(advices.map((e) => e.authCode)).toEqual(offline.map((r) => r['authCode']));

    expect(await terminal.advices?.drain()).toMatchObject({ sent: [], remaining: 0 });
    expect(simulator.ledger.filter((e) => ADVICES.has(e.mti))).toHaveLength(2);

    const states = journalStates();
    expect(offline.map((r) => states[String(r['id'])])).toEqual(['advice-sent', 'advice-sent']);
    expect((await call('GET', '/v1/health')).json['offlineApprovals']).toEqual({ queued: 0, queuedTotal: 0, expired: 0, expiredRefunds: { count: 0, amountMinor: 0 } });
    const table = lsCommand(JournalReader.open(stateDir));
    expect(table).toMatch(/advice-sent .* Y3 +yes/);
  });

  it('an online purchase goes to the host as usual now', async () => {
    expect(await purchase(100)).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(simulator?.ledger.filter((e) => ADVICES.has(e.mti))).toHaveLength(2);
  });
});

describe('store-and-forward with the virtual chip card', () => {
  let chipTerminal: RunningTerminal;
  const chipState = mkdtempSync(join(tmpdir(), 'pos-offline-chip-'));

  beforeAll(async () => {
    const config = parseConfig({
      ecr: { port: 0 },
      host: { type: 'iso8583-tcp', address: '127.0.0.1', port: await closedPort(), timeoutMs: 2000, echoIntervalMs: 0 },
      keys: { dir: terminalKeyFolder('pos-offline-keys-', '33') },
      devices: { reader: { type: 'virtual', model: 'chip' }, pinpad: { type: 'virtual' } },
      storeAndForward: { enabled: true, floorLimits: { visa: 5000 }, flushIntervalMs: 3_600_000 },
    });
    chipTerminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: chipState });
  });

  afterAll(async () => {
    await chipTerminal.close();
  });

  it('asks the card with Y3; the twin, which approves only with an ARPC, answers AAC: declined Z3, no advice', async () => {
    const headers = ecrHeaders(chipTerminal);
    const started = await fetch(`${chipTerminal.ecrUrl}/v1/transactions`, { method: 'POST', headers, body: JSON.stringify({ type: 'purchase', amount: 1500, currency: '978' }) });
    const id = String(((await started.json()) as Record<string, unknown>)['id']);
    await fetch(`${chipTerminal.ecrUrl}/v1/simulator/present`, { method: 'POST', headers, body: JSON.stringify({ card: 'visa-ok', entry: 'chip' }) });
    const result = (await (await fetch(`${chipTerminal.ecrUrl}/v1/transactions/${id}?wait=true`, { headers })).json()) as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'declined', entryMode: 'chip', responseCode: 'Z3', errorCode: 'TXN_CARD_DECLINED', authCode: null });
    const reader = JournalReader.open(chipState);
    try {
      expect(reader.get(id).steps.map((s) => s.state)).toEqual(['created', 'created', 'request-sent', 'offline-approved', 'declined']);
    } finally {
      reader.close();
    }
    const health = (await (await fetch(`${chipTerminal.ecrUrl}/v1/health`, { headers })).json()) as Record<string, unknown>;
    expect(health['offlineApprovals']).toEqual({ queued: 0, queuedTotal: 0, expired: 0, expiredRefunds: { count: 0, amountMinor: 0 } });
  });
});

/** What the ECR API requires of every call: the terminal's bearer token, and JSON bodies. */
function ecrHeaders(running: RunningTerminal): Record<string, string> {
  return { authorization: `Bearer ${running.ecrToken}`, 'content-type': 'application/json' };
}

async function closedPort(): Promise<number> {
  const probe = new BankHostSimulator({ host: '127.0.0.1', port: 0, logger: silentLogger });
  await probe.start();
  const free = probe.port;
  await probe.stop();
  return free;
}
