/**
 * The ECR API over real HTTP against a terminal composed as `pos run` composes
 * it in simulation: virtual reader on a socat pty, host simulator over TCP.
 * Every call carries the terminal's bearer token, as a register's does; what
 * the API refuses before routing is in `ecr-security.test.ts`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrClient } from '../../src/app/ecr-client.js';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';
import { isPosError } from '../../src/util/errors.js';
import { hasSocat, ptysOpenedSince, ptysOpenIn } from '../drivers/pty-harness.js';
import { writeTerminalMacKeys } from '../../hw-mocks/keys/terminal-key-folder.js';

let terminal: RunningTerminal;
/** The ptys the terminal opened for its virtual devices. */
let terminalPtys: string[] = [];
const display = new RecordingDisplay();
const stateDir = mkdtempSync(join(tmpdir(), 'pos-ecr-'));
const SIMULATION = { ecr: { port: 0 }, devices: { reader: { type: 'virtual' } }, host: { type: 'simulator', timeoutMs: 2000 } };

beforeAll(async () => {
  const before = ptysOpenIn();
  terminal = await startTerminal(parseConfig(SIMULATION), {
    logger: silentLogger,
    displayOut: process.stderr,
    display,
    stateDir,
    clock: () => new Date('2026-11-24T12:00:00Z'),
  });
  terminalPtys = ptysOpenedSince(before);
});

afterAll(async () => {
  await terminal.close();
});

async function call(method: string, path: string, body?: string, token = terminal.ecrToken) {
  const headers = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const res = await fetch(terminal.ecrUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> & { error?: { code: string; details: Record<string, unknown> } }, text };
}

describe('ECR API', () => {
  // Without socat the terminal falls back to an in-memory line; CI installs socat, so there the pty is required.
  it.runIf(hasSocat)('drives a virtual reader on a socat pty: both ends of its wire are ptys this process opened', () => {
    expect(terminalPtys.length).toBeGreaterThanOrEqual(2);
  });

  it('runs a purchase: 201 waiting, present a card, then the approved result', async () => {
    const started = await call('POST', '/v1/transactions', JSON.stringify({ type: 'purchase', amount: 1234, currency: '978' }));
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ state: 'waiting-for-card', status: null, amount: 1234, currency: '978' });
    const id = started.json['id'] as string;

    const busy = await call('POST', '/v1/transactions', JSON.stringify({ type: 'purchase', amount: 1, currency: '978' }));
    expect(busy.status).toBe(409);
    expect(busy.json.error?.code).toBe('TXN_BUSY');

    expect((await call('POST', '/v1/simulator/present', JSON.stringify({ card: 'visa-ok', entry: 'swipe' }))).status).toBe(202);
    const ended = await call('GET', `/v1/transactions/${id}?wait=true`);
    expect(ended.status).toBe(200);
    expect(ended.json).toMatchObject({ id, status: 'approved', responseCode: '00', maskedPan: '411111******1111', entryMode: 'swipe', stan: expect.stringMatching(/^\d{6}$/) });
    expect(ended.json['authCode']).toMatch(/^[0-9A-Z]{6}$/);
    expect(ended.json['rrn']).toMatch(/^\d{12}$/);
    expect(ended.text).not.toContain('4111111111111111');
    expect(display.shown.at(-1)).toMatchObject({ kind: 'approved' });
  });

  it('answers ?wait=true on POST only once the transaction has ended', async () => {
    const pending = call('POST', '/v1/transactions?wait=true', JSON.stringify({ type: 'purchase', amount: 2500, currency: '978' }));
    await expect.poll(async () => (await call('GET', '/v1/health')).json['currentTransaction'] !== null, { timeout: 5_000 }).toBe(true);
    await call('POST', '/v1/simulator/present', JSON.stringify({ card: 'mc-low-funds' }));
    const ended = await pending;
    expect(ended.status).toBe(201);
    expect(ended.json).toMatchObject({ status: 'declined', responseCode: '51', reason: 'INSUFFICIENT FUNDS' });
  });

  it('cancels a transaction waiting for its card', async () => {
    const { json } = await call('POST', '/v1/transactions', JSON.stringify({ type: 'purchase', amount: 100, currency: '978' }));
    const id = json['id'] as string;
    expect((await call('POST', `/v1/transactions/${id}/cancel`)).status).toBe(200);
    expect((await call('GET', `/v1/transactions/${id}?wait=true`)).json).toMatchObject({ status: 'cancelled' });
    const again = await call('POST', `/v1/transactions/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe('TXN_NOT_CANCELLABLE');
  });

  it.each([
    ['bad JSON', '{"type":', 400, 'ECR_BAD_JSON', undefined],
    ['negative amount', JSON.stringify({ type: 'purchase', amount: -5, currency: '978' }), 400, 'ECR_BAD_REQUEST', ['amount']],
    ['non-integer amount', JSON.stringify({ type: 'purchase', amount: 12.5, currency: '978' }), 400, 'ECR_BAD_REQUEST', ['amount']],
    ['amount as text', JSON.stringify({ type: 'purchase', amount: '12', currency: '978' }), 400, 'ECR_BAD_REQUEST', ['amount']],
    ['unknown currency', JSON.stringify({ type: 'purchase', amount: 5, currency: '999' }), 400, 'TXN_CURRENCY_UNSUPPORTED', undefined],
    ['currency not 3 digits', JSON.stringify({ type: 'purchase', amount: 5, currency: 'EUR' }), 400, 'ECR_BAD_REQUEST', ['currency']],
    ['unknown type', JSON.stringify({ type: 'sale', amount: 5, currency: '978' }), 400, 'ECR_BAD_REQUEST', ['type']],
    ['an unreferenced refund where the config allows none', JSON.stringify({ type: 'refund', amount: 5, currency: '978' }), 400, 'TXN_TYPE_NOT_ALLOWED', undefined],
    ['a tip where the config takes none', JSON.stringify({ type: 'purchase', amount: 5, tip: 1, currency: '978' }), 400, 'TXN_TYPE_NOT_ALLOWED', undefined],
    ['cashback where the config gives none', JSON.stringify({ type: 'purchase', amount: 5, cashback: 1, currency: '978' }), 400, 'TXN_TYPE_NOT_ALLOWED', undefined],
    ['a refund of an unknown purchase', JSON.stringify({ type: 'refund', amount: 5, currency: '978', originalId: 'no-such-id' }), 404, 'TXN_NOT_FOUND', undefined],
    ['a tip on a pre-authorization', JSON.stringify({ type: 'preauth', amount: 5, tip: 1, currency: '978' }), 400, 'ECR_BAD_REQUEST', ['(body)']],
    ['missing fields', JSON.stringify({}), 400, 'ECR_BAD_REQUEST', ['type']],
    ['missing amount', JSON.stringify({ type: 'purchase', currency: '978' }), 400, 'ECR_BAD_REQUEST', ['amount']],
    ['extra field', JSON.stringify({ type: 'purchase', amount: 5, currency: '978', pan: '4111111111111111' }), 400, 'ECR_BAD_REQUEST', ['(body)']],
  ])('refuses %s', async (_name, body, status, code, fields) => {
    const res = await call('POST', '/v1/transactions', body);
    expect(res.status).toBe(status);
    expect(res.json.error?.code).toBe(code);
    if (fields) expect(res.json.error?.details['fields']).toEqual(fields);
    expect(res.text).not.toContain('4111111111111111');
    expect((await call('GET', '/v1/health')).json['currentTransaction']).toBeNull();
  });

  it('EcrClient turns a refusal into ECR_CLIENT_REFUSED with the route, the status and the API\'s code', async () => {
    const client = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
    const refused = await client.start({ type: 'refund', amount: 5, currency: '978' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isPosError(refused, 'ECR_CLIENT_REFUSED')).toBe(true);
    expect(isPosError(refused) ? refused.details : undefined).toEqual({ method: 'POST', path: '/v1/transactions', status: 400, code: 'TXN_TYPE_NOT_ALLOWED' });
  });

  it('refuses an oversized body, an unknown route, an unknown id and an unknown deck card', async () => {
    expect((await call('POST', '/v1/transactions', 'x'.repeat(20_000))).json.error?.code).toBe('ECR_BODY_TOO_LARGE');
    expect((await call('GET', '/v2/nothing')).status).toBe(404);
    expect((await call('GET', '/v1/transactions/no-such-id')).json.error?.code).toBe('TXN_NOT_FOUND');
    const present = await call('POST', '/v1/simulator/present', JSON.stringify({ card: 'no-such-card' }));
    expect(present.status).toBe(400);
    expect(present.json.error?.details['fields']).toEqual(['card']);
  });

  it('reports health: devices, host, pending reversals', async () => {
    const { status, json } = await call('GET', '/v1/health');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      status: 'ok',
      devices: { reader: { name: 'virtual-msr', state: 'connected', virtual: true }, display: { name: 'recording' } },
      host: { simulator: true },
      pendingReversals: 0,
    });
  });
});

describe('the ECR token', () => {
  it('is made on first start in simulation: <state dir>/ecr.token, 0600, 32 random bytes as hex', () => {
    const file = join(stateDir, 'ecr.token');
    expect(readFileSync(file, 'utf8')).toBe(`${terminal.ecrToken}\n`);
    expect(terminal.ecrToken).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is required by the running terminal: 401 without it or with another', async () => {
    const res = await fetch(`${terminal.ecrUrl}/v1/health`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await call('GET', '/v1/health', undefined, 'f'.repeat(64))).status).toBe(401);
    const purchase = await fetch(`${terminal.ecrUrl}/v1/transactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'purchase', amount: 1, currency: '978' }) });
    expect(purchase.status).toBe(401);
    expect((await call('GET', '/v1/health')).json['currentTransaction']).toBeNull();
  });

  it('stays the same across restarts, and a different state folder gets its own', async () => {
    const again = await startTerminal(parseConfig(SIMULATION), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: mkdtempSync(join(tmpdir(), 'pos-ecr-other-')) });
    try {
      expect(again.ecrToken).toMatch(/^[0-9a-f]{64}$/);
      expect(again.ecrToken).not.toBe(terminal.ecrToken);
    } finally {
      await again.close();
    }
    const other = join(mkdtempSync(join(tmpdir(), 'pos-ecr-restart-')), 'state');
    const first = await startTerminal(parseConfig(SIMULATION), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: other });
    const token = first.ecrToken;
    await first.close();
    const second = await startTerminal(parseConfig(SIMULATION), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: other });
    try {
      expect(second.ecrToken).toBe(token);
    } finally {
      await second.close();
    }
  });

  it('must be in the key folder of a real-host terminal: KEY_FILE_MISSING naming it, before the journal is made', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pos-ecr-real-'));
    const keys = join(root, 'keys');
    mkdirSync(keys, { mode: 0o700 });
    writeTerminalMacKeys(keys);
    const config = parseConfig({ ecr: { port: 0 }, devices: { reader: { type: 'virtual' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 9, echoIntervalMs: 0 }, keys: { dir: keys } });
    const error: unknown = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: join(root, 'state') }).catch((e: unknown) => e);
    expect(isPosError(error, 'KEY_FILE_MISSING')).toBe(true);
    expect(isPosError(error) && error.details).toEqual({ path: join(keys, 'ecr.token') });
    expect(existsSync(join(root, 'state', 'journal.db'))).toBe(false);

    writeFileSync(join(keys, 'ecr.token'), 'not a token\n', { mode: 0o600 });
    const invalid: unknown = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: join(root, 'state') }).catch((e: unknown) => e);
    expect(isPosError(invalid, 'KEY_FILE_INVALID')).toBe(true);
  });
});

describe('binding', () => {
  it.each([['0.0.0.0'], ['::'], ['192.0.2.10']])('refuses ecr.host %s without ecr.tls at start (ECR_TLS_REQUIRED, a config error), before anything is made', async (host) => {
    const state = join(mkdtempSync(join(tmpdir(), 'pos-ecr-bind-')), 'state');
    const error: unknown = await startTerminal(parseConfig({ ...SIMULATION, ecr: { host, port: 0 } }), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: state }).catch(
      (e: unknown) => e,
    );
    expect(isPosError(error, 'ECR_TLS_REQUIRED')).toBe(true);
    expect(isPosError(error) && error.kind).toBe('config');
    expect(existsSync(state)).toBe(false);
  });
});
