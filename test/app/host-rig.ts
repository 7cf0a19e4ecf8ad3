/**
 * A terminal as `pos run` composes it for an `iso8583-tcp` host, in process,
 * against the bank-host simulator in its own listener (faults by rule), and
 * the ECR calls the end-to-end tests drive it with. `closeRigs` after each
 * test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseFaultRule } from '../../hw-mocks/host/faults.js';
import { startHostSimServer, type HostSimServer } from '../../hw-mocks/host/host-sim-server.js';
import type { LedgerSummary } from '../../hw-mocks/host/ledger.js';
import { terminalKeyFolder } from './terminal-key-folder.js';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TransactionResult } from '../../src/txn/result.js';

export const LOW_FUNDS_PAN = '5555555555554444';
export const CARD_ONE_PAN = '4111111111111111';

export interface Rig {
  readonly terminal: RunningTerminal;
  readonly host: HostSimServer;
}

const rigs: Rig[] = [];

export async function closeRigs(): Promise<void> {
  for (const { terminal, host } of rigs.splice(0)) {
    await terminal.close();
    await host.stop();
  }
}

export async function rig(faults: readonly string[] = [], transactions: Record<string, unknown> = {}, devices: Record<string, unknown> = {}): Promise<Rig> {
  const host = await startHostSimServer({ port: 0, faults: faults.map(parseFaultRule), logger: silentLogger });
  const port = host.endpoint('iso8583')?.port ?? 0;
  const config = parseConfig({
    ecr: { port: 0 },
    devices: { reader: { type: 'virtual' }, ...devices },
    host: { type: 'iso8583-tcp', address: '127.0.0.1', port, timeoutMs: 800, echoIntervalMs: 0 },
    keys: { dir: terminalKeyFolder('pos-types-keys-', '44') },
    transactions: { tips: true, cashbackLimit: 5000, incrementalAuthorization: true, ...transactions },
  });
  const terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: mkdtempSync(join(tmpdir(), 'pos-types-')) });
  const made = { terminal, host };
  rigs.push(made);
  return made;
}

export async function call(terminal: RunningTerminal, method: string, path: string, body?: unknown): Promise<{ status: number; json: TransactionResult & Record<string, unknown> }> {
  const res = await fetch(terminal.ecrUrl + path, {
    method,
    headers: { authorization: `Bearer ${terminal.ecrToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as TransactionResult & Record<string, unknown> };
}

/** Starts a card transaction, swipes `card`, and answers its end. */
export async function swiped(terminal: RunningTerminal, body: Record<string, unknown>, card = 'visa-ok'): Promise<TransactionResult> {
  const started = await call(terminal, 'POST', '/v1/transactions', { currency: '978', ...body });
  expect(started.status).toBe(201);
  expect((await call(terminal, 'POST', '/v1/simulator/present', { card, entry: 'swipe' })).status).toBe(202);
  return (await call(terminal, 'GET', `/v1/transactions/${started.json.id}?wait=true`)).json;
}

/** The simulator's ledger once it shows what `expected` says (the terminal drains its reversals in the background). */
export async function standing(host: HostSimServer, expected: Partial<LedgerSummary>): Promise<LedgerSummary> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const summary = host.issuer.summary();
    const matches = Object.entries(expected).every(([key, value]) => summary[key as keyof LedgerSummary] === value);
    if (matches || Date.now() > deadline) return summary;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
