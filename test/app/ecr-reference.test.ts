/**
 * A register that lost its answer can always find the outcome: its
 * reference (idempotency key) names one transaction for good, and the ECR API
 * answers `GET /v1/transactions/:id` and `?reference=…|since=…` from the
 * journal — across a restart of the terminal on the same state folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';

const stateDir = mkdtempSync(join(tmpdir(), 'pos-ecr-ref-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function start(): Promise<RunningTerminal> {
  return startTerminal(parseConfig({ ecr: { port: 0 }, devices: { reader: { type: 'virtual' } }, host: { type: 'simulator', timeoutMs: 2000 } }), {
    logger: silentLogger,
    displayOut: process.stderr,
    display: new RecordingDisplay(),
    stateDir,
  });
}

async function call(terminal: RunningTerminal, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(terminal.ecrUrl + path, {
    method,
    headers: { authorization: `Bearer ${terminal.ecrToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string }; transactions?: Record<string, unknown>[] } };
}

describe("the register's reference, across a restart", () => {
  it('the same reference never charges twice, and the outcome is found after the terminal restarts', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    let terminal = await start();
    let id: string;
    try {
      const started = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 1234, currency: '978', reference: 'till-7/000123' });
      expect(started.status).toBe(201);
      id = started.json['id'] as string;
      // The register lost the answer and sends the same purchase again: the same transaction, not a second one.
      const again = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 1234, currency: '978' }, { 'idempotency-key': 'till-7/000123' });
      expect(again.status).toBe(200);
      expect(again.json['id']).toBe(id);
      expect((await call(terminal, 'POST', '/v1/simulator/present', { card: 'visa-ok', entry: 'swipe' })).status).toBe(202);
      expect((await call(terminal, 'GET', `/v1/transactions/${id}?wait=true`)).json).toMatchObject({ status: 'approved', responseCode: '00', reference: 'till-7/000123' });
      const reused = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 999, currency: '978', reference: 'till-7/000123' });
      expect(reused.status).toBe(409);
      expect(reused.json.error?.code).toBe('TXN_REFERENCE_REUSED');
      const mismatch = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 1, currency: '978', reference: 'a' }, { 'idempotency-key': 'b' });
      expect(mismatch.status).toBe(400);
    } finally {
      await terminal.close();
    }

    terminal = await start();
    try {
      const byId = await call(terminal, 'GET', `/v1/transactions/${id}`);
      expect(byId.status).toBe(200);
      expect(byId.json).toMatchObject({ id, status: 'approved', responseCode: '00', amount: 1234, maskedPan: '411111******1111', reference: 'till-7/000123' });
      const byReference = await call(terminal, 'GET', '/v1/transactions?reference=till-7%2F000123');
      expect(byReference.json.transactions).toEqual([byId.json]);
      const bySince = await call(terminal, 'GET', `/v1/transactions?since=${encodeURIComponent(since)}`);
      expect(bySince.json.transactions?.map((t) => t['id'])).toEqual([id]);
      // After the restart too: the same reference returns the approved transaction and starts nothing.
      const replay = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 1234, currency: '978', reference: 'till-7/000123' });
      expect(replay.status).toBe(200);
      expect(replay.json).toMatchObject({ id, status: 'approved' });
      expect((await call(terminal, 'GET', '/v1/health')).json['currentTransaction']).toBeNull();
      expect((await call(terminal, 'GET', '/v1/transactions')).status).toBe(400);
      expect((await call(terminal, 'GET', '/v1/transactions?since=yesterday')).status).toBe(400);
    } finally {
      await terminal.close();
    }
  });
});
