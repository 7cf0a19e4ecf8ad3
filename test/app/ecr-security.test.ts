/**
 * Only the register drives the ECR API (issue 11 §4), over real sockets:
 * bearer token, Host (DNS rebinding), Origin (a browser on the Pi), JSON-only
 * bodies without duplicated keys, the simulator routes only in simulation,
 * timeouts and a connection cap against idle sockets, TLS off loopback.
 * The engine behind the server is a recording stub: a refused request must
 * never reach it.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { chmodSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeThrowawayPki, type ThrowawayPki } from '../../hw-mocks/host/tls-certs.js';
import { EcrServer, ECR_LIMITS, type EcrServerOptions } from '../../src/app/ecr-server.js';
import type { CardholderSimulator } from '../../src/app/simulation/cardholder.js';
import { simulatorRoutes } from '../../src/app/simulation/simulator-routes.js';
import { loadEcrTls } from '../../src/app/ecr-tls.js';
import type { TransactionEngine } from '../../src/txn/engine.js';
import { isPosError } from '../../src/util/errors.js';

const TOKEN = 'a1'.repeat(32);
const PURCHASE = JSON.stringify({ type: 'purchase', amount: 1234, currency: '978' });

/** The engine calls the API made, in order. */
function recordingEngine(): { engine: TransactionEngine; calls: string[] } {
  const calls: string[] = [];
  const result = { id: 'txn-1', state: 'waiting-for-card', status: null };
  const engine = {
    start: () => (calls.push('start'), result),
    get: () => (calls.push('get'), result),
    wait: () => (calls.push('wait'), Promise.resolve(result)),
    cancel: () => (calls.push('cancel'), Promise.resolve(result)),
  } as unknown as TransactionEngine;
  return { engine, calls };
}

/** Log lines as parsed objects, at every level from debug. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

const servers: EcrServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(overrides: Partial<EcrServerOptions> = {}, host = '127.0.0.1') {
  const { engine, calls } = recordingEngine();
  const { logger, lines } = capturingLogger();
  const server = new EcrServer({ engine, health: () => ({ status: 'ok' }), logger, token: TOKEN, ...overrides });
  servers.push(server);
  const address = await server.listen(host, 0);
  return { server, port: address.port, calls, lines };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly json: { error?: { code: string; details: Record<string, unknown> } } & Record<string, unknown>;
}

/** One HTTP request with exactly these headers (no fetch defaults: `Host` and `Origin` are ours to set). */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as Answer['json']) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' };

describe('bearer token', () => {
  it.each([
    ['GET', '/v1/health', undefined],
    ['POST', '/v1/transactions', PURCHASE],
    ['GET', '/v1/transactions/txn-1', undefined],
    ['POST', '/v1/transactions/txn-1/cancel', undefined],
    ['POST', '/v1/simulator/present', JSON.stringify({ card: 'visa-ok' })],
  ])('%s %s without a token is 401 with WWW-Authenticate: Bearer, and runs nothing', async (method, path, body) => {
    const { port, calls } = await serve();
    const res = await call(port, method, path, body === undefined ? {} : { 'content-type': 'application/json' }, body);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="pos-terminal"$/);
    expect(res.json.error?.code).toBe('ECR_UNAUTHORIZED');
    expect(calls).toEqual([]);
  });

  it.each([
    ['another token of the same length', `Bearer ${'b2'.repeat(32)}`],
    ['the token with one digit changed', `Bearer ${TOKEN.slice(0, -1)}0`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 32)}`],
    ['the token and more', `Bearer ${TOKEN}00`],
    ['another scheme', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
    ['the bare token', TOKEN],
  ])('refuses %s with 401 invalid_token or missing', async (_name, authorization) => {
    const { port, calls } = await serve();
    const res = await call(port, 'POST', '/v1/transactions', { authorization, 'content-type': 'application/json' }, PURCHASE);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(JSON.stringify(res.json)).not.toContain(TOKEN);
    expect(calls).toEqual([]);
  });

  it('serves the register that sends the token', async () => {
    const { port, calls } = await serve();
    expect((await call(port, 'GET', '/v1/health', AUTH)).status).toBe(200);
    const started = await call(port, 'POST', '/v1/transactions', JSON_AUTH, PURCHASE);
    expect(started.status).toBe(201);
    expect(calls).toEqual(['start']);
    expect((await call(port, 'GET', '/v1/health', { authorization: `bearer   ${TOKEN}` })).status).toBe(200);
  });
});

describe('Host header (DNS rebinding)', () => {
  it.each([['evil.example'], ['evil.example:PORT'], ['127.0.0.2:PORT'], ['127.0.0.1:1'], ['[::1]:PORT'], ['localhost.evil.example']])('refuses Host: %s with 421', async (host) => {
    const { port, calls } = await serve();
    const res = await call(port, 'GET', '/v1/health', { ...AUTH, host: host.replace('PORT', String(port)) });
    expect(res.status).toBe(421);
    expect(res.json.error?.code).toBe('ECR_MISDIRECTED');
    expect(res.headers['connection']).toBe('close');
    const post = await call(port, 'POST', '/v1/transactions', { ...JSON_AUTH, host: host.replace('PORT', String(port)) }, PURCHASE);
    expect(post.status).toBe(421);
    expect(calls).toEqual([]);
  });

  it.each([['127.0.0.1:PORT'], ['127.0.0.1'], ['localhost'], ['localhost:PORT'], ['LOCALHOST:PORT'], ['register.shop.example']])('serves Host: %s', async (host) => {
    const { port } = await serve({ allowedHosts: ['register.shop.example'] });
    expect((await call(port, 'GET', '/v1/health', { ...AUTH, host: host.replace('PORT', String(port)) })).status).toBe(200);
  });
});

describe('Origin and content type (a web page in a browser on the Pi)', () => {
  it('refuses a cross-site text/plain POST that starts a purchase: 403, and nothing starts', async () => {
    const { port, calls } = await serve();
    // What a page's fetch(..., { mode: "no-cors", body }) sends: a "simple" request, no preflight.
    const res = await call(port, 'POST', '/v1/transactions', { origin: 'http://evil.example', 'content-type': 'text/plain;charset=UTF-8' }, PURCHASE);
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe('ECR_ORIGIN_FORBIDDEN');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('refuses a cross-site cancel, even one that carries the token', async () => {
    const { port, calls } = await serve();
    expect((await call(port, 'POST', '/v1/transactions/txn-1/cancel', { ...AUTH, origin: 'http://evil.example' })).status).toBe(403);
    expect((await call(port, 'POST', '/v1/transactions/txn-1/cancel', { ...AUTH, origin: 'null' })).status).toBe(403);
    expect(calls).toEqual([]);
  });

  it.each([
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['no content type', undefined],
    ['JSON in another charset', 'application/json; charset=iso-8859-1'],
  ])('refuses a body sent as %s with 415', async (_name, type) => {
    const { port, calls } = await serve();
    const res = await call(port, 'POST', '/v1/transactions', { ...AUTH, ...(type === undefined ? {} : { 'content-type': type }) }, PURCHASE);
    expect(res.status).toBe(415);
    expect(res.json.error?.code).toBe('ECR_UNSUPPORTED_MEDIA_TYPE');
    expect(calls).toEqual([]);
  });

  it('takes application/json with a UTF-8 charset, and a bodiless POST without a content type', async () => {
    const { port, calls } = await serve();
    expect((await call(port, 'POST', '/v1/transactions', { ...AUTH, 'content-type': 'Application/JSON; charset=utf-8' }, PURCHASE)).status).toBe(201);
    expect((await call(port, 'POST', '/v1/transactions/txn-1/cancel', AUTH)).status).toBe(200);
    expect(calls).toEqual(['start', 'cancel']);
  });

  it('lets an origin listed in ecr.allowedOrigins call, with CORS headers and an answered preflight', async () => {
    const origin = 'https://till.shop.example';
    const { port, calls } = await serve({ allowedOrigins: [origin] });
    const preflight = await call(port, 'OPTIONS', '/v1/transactions', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const res = await call(port, 'POST', '/v1/transactions', { ...JSON_AUTH, origin }, PURCHASE);
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    // Allowed to ask is not allowed in: the token is still required.
    expect((await call(port, 'POST', '/v1/transactions', { origin, 'content-type': 'application/json' }, PURCHASE)).status).toBe(401);
    expect((await call(port, 'OPTIONS', '/v1/transactions', { origin: 'http://evil.example', 'access-control-request-method': 'POST' })).status).toBe(403);
    expect(calls).toEqual(['start']);
  });
});

describe('JSON bodies', () => {
  it.each([
    ['a repeated amount', '{"type":"purchase","amount":1,"currency":"978","amount":999999}', 47],
    ['an escaped repeat', '{"type":"purchase","amount":1,"currency":"978","\\u0061mount":5}', 47],
    ['a repeat one level down', '{"type":"purchase","amount":1,"currency":"978","x":{"a":1,"a":2}}', 58],
  ])('refuses %s with 400 ECR_DUPLICATE_KEY', async (_name, body, offset) => {
    const { port, calls } = await serve();
    const res = await call(port, 'POST', '/v1/transactions', JSON_AUTH, body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'ECR_DUPLICATE_KEY', details: { offset } });
    expect(calls).toEqual([]);
  });
});

describe('simulator routes', () => {
  it('do not exist without a simulator (a real-device terminal): 404 even when authorized', async () => {
    const { port } = await serve();
    for (const path of ['/v1/simulator/present', '/v1/simulator/unplug']) {
      const res = await call(port, 'POST', path, JSON_AUTH, JSON.stringify({ card: 'visa-ok', device: 'reader' }));
      expect(res.status).toBe(404);
      expect(res.json.error?.code).toBe('ECR_NOT_FOUND');
    }
  });

  it('exist with one, behind the token', async () => {
    const presented: string[] = [];
    const simulator: CardholderSimulator = { present: (r) => (presented.push(r.card), Promise.resolve()) };
    const { port } = await serve({ routes: [simulatorRoutes(simulator)] });
    expect((await call(port, 'POST', '/v1/simulator/present', { 'content-type': 'application/json' }, JSON.stringify({ card: 'visa-ok' }))).status).toBe(401);
    expect((await call(port, 'POST', '/v1/simulator/present', JSON_AUTH, JSON.stringify({ card: 'visa-ok' }))).status).toBe(202);
    expect(presented).toEqual(['visa-ok']);
  });
});

describe('a client gone mid-body', () => {
  it('is one debug line, not an error with a stack', async () => {
    const { server, port, lines, calls } = await serve();
    const requestStarted = nextServerRequest();
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /v1/transactions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"type":"pur`);
    await requestStarted;
    socket.destroy();
    await expect.poll(() => lines.some((l) => l['msg'] === 'ECR request aborted by the client'), { timeout: 3_000 }).toBe(true);
    // Closed, the server has run every handler the lost connection had: nothing more can be logged.
    await server.close();
    expect(lines.filter((l) => (l['level'] as number) >= 40)).toEqual([]);
    expect(lines.find((l) => l['msg'] === 'ECR request aborted by the client')).toMatchObject({ level: 20, method: 'POST', path: '/v1/transactions' });
    expect(JSON.stringify(lines)).not.toContain('stack');
    expect(calls).toEqual([]);
  });
});

describe('idle connections cannot starve the API', () => {
  it('has timeouts and a cap by default, the cap well under 1,024 descriptors', async () => {
    const { server } = await serve();
    expect(server.limits).toEqual(ECR_LIMITS);
    expect(ECR_LIMITS.maxConnections).toBeLessThanOrEqual(512);
    expect(ECR_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(15_000);
    expect(ECR_LIMITS.requestTimeoutMs).toBeGreaterThanOrEqual(ECR_LIMITS.headersTimeoutMs);
  });

  it('drops connections over the cap at once and idle ones after the header timeout; then the register is served', async () => {
    const cap = 8;
    const { port } = await serve({ limits: { maxConnections: cap, headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 200, timeoutCheckMs: 100 } });
    const idle: { socket: Socket; closed: Promise<number> }[] = [];
    const opened = Date.now();
    for (let i = 0; i < cap * 5; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      idle.push({ socket, closed: new Promise((resolve) => socket.once('close', () => resolve(Date.now() - opened))) });
      // A slow loris among them: half a request line, never finished.
      if (i === 0) socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    }
    const closedAt = await Promise.all(idle.map((s) => s.closed));
    // Those over the cap went at once; the first `cap` were held until the header timeout.
    expect(closedAt.filter((ms) => ms >= 350).length).toBe(cap);
    expect(Math.max(...closedAt)).toBeLessThan(3_000);
    const res = await call(port, 'GET', '/v1/health', AUTH);
    expect(res.status).toBe(200);
  });
});

describe('binding and TLS', () => {
  let pki: ThrowawayPki;
  beforeAll(() => {
    pki = makeThrowawayPki('pos-ecr');
    chmodSync(pki.server.keyFile, 0o600);
  });
  afterAll(() => pki.cleanup());

  it.each([['0.0.0.0'], ['::'], ['192.0.2.10']])('refuses to listen on %s in clear (ECR_TLS_REQUIRED, a config error)', async (host) => {
    const { engine } = recordingEngine();
    const server = new EcrServer({ engine, health: () => ({ status: 'ok' }), logger: pino({ level: 'silent' }), token: TOKEN });
    servers.push(server);
    const error: unknown = await server.listen(host, 0).catch((e: unknown) => e);
    expect(isPosError(error, 'ECR_TLS_REQUIRED')).toBe(true);
    expect(isPosError(error) && error.kind).toBe('config');
  });

  it('serves HTTPS off loopback with ecr.tls; plain HTTP to it gets no answer', async () => {
    const tls = loadEcrTls({ certFile: pki.server.certFile, keyFile: pki.server.keyFile });
    const { server, port } = await serve({ tls }, '0.0.0.0');
    expect(server.scheme).toBe('https');
    expect((await callTls(port, { ca: pki.ca }, AUTH)).status).toBe(200);
    expect((await callTls(port, { ca: pki.ca }, {})).status).toBe(401);
    await expect(call(port, 'GET', '/v1/health', AUTH)).rejects.toThrow();
  });

  it('with a client CA, requires a client certificate it signed (mutual TLS), and still the token', async () => {
    const tls = loadEcrTls({ certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.caFile });
    const { port } = await serve({ tls });
    await expect(callTls(port, { ca: pki.ca }, AUTH)).rejects.toThrow();
    const other = makeThrowawayPki('pos-other');
    try {
      await expect(callTls(port, { ca: pki.ca, cert: other.client.cert, key: other.client.key }, AUTH)).rejects.toThrow();
    } finally {
      other.cleanup();
    }
    expect((await callTls(port, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key }, AUTH)).status).toBe(200);
    expect((await callTls(port, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key }, {})).status).toBe(401);
  });

  it('refuses a TLS private key that group or others can read (KEY_FILE_MODE)', () => {
    chmodSync(pki.server.keyFile, 0o644);
    try {
      expect(() => loadEcrTls({ certFile: pki.server.certFile, keyFile: pki.server.keyFile })).toThrow(expect.objectContaining({ code: 'KEY_FILE_MODE' }));
    } finally {
      chmodSync(pki.server.keyFile, 0o600);
    }
  });
});

function callTls(port: number, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }, headers: Record<string, string>): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/v1/health', headers, ...tls }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves when an HTTP server in this process next emits 'request' (its headers were read), through node's diagnostics channel. */
function nextServerRequest(): Promise<void> {
  return new Promise((resolve) => {
    const onStart = (): void => {
      unsubscribe('http.server.request.start', onStart);
      resolve();
    };
    subscribe('http.server.request.start', onStart);
  });
}
