/**
 * The HTTPS JSON gateway profile end to end over real sockets on 127.0.0.1:
 * `JsonGatewayClient` (axios, pinned CA, client certificate) against the
 * simulator's `HttpsGateway` around the verifying issuer core — DUKPT PIN,
 * ARQC/ARPC, idempotent retries, faults, reversals, and every failure's code.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpsGateway, httpFaultFromRule, type HttpFault } from '../../hw-mocks/host/https-gateway.js';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { generateArpcMethod1 } from '../../src/crypto/emv/cryptogram.js';
import { decode } from '../../src/emv/ber-tlv.js';
import { jsonGatewayFromConfig } from '../../src/host/json-gateway/from-config.js';
import { JsonGatewayClient, type JsonGatewayClientOptions } from '../../src/host/json-gateway/json-gateway-client.js';
import type { PendingReversal } from '../../src/host/reversal-store.js';
import { MemoryReversalStore } from '../txn/fakes.js';
import { ReversalSender } from '../../src/host/reversal-sender.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { cardOf, closedPort, purchase, throwawayPkis } from './helpers.js';
import { rejection } from '../pos-error.js';
import type { PosError } from '../../src/util/errors.js';
import { chipRead, pinPad } from './issuer-fixtures.js';

const NOW = new Date(2026, 5, 15, 12, 0, 0);
const AT = new Date(Date.UTC(2026, 5, 15, 14, 30, 0));
const FAST_RETRY = { initialMs: 1, maxMs: 5, factor: 2, jitter: 0 };

const pkis = throwawayPkis('gw');

describe('JsonGatewayClient against the simulator HTTPS gateway (mutual TLS)', () => {
  let issuer: IssuerHost;
  let gateway: HttpsGateway;
  let client: JsonGatewayClient;

  async function startGateway(faults: readonly HttpFault[] = []): Promise<void> {
    gateway = new HttpsGateway({ issuer, tls: { ca: pkis.own.ca, cert: pkis.own.server.cert, key: pkis.own.server.key }, faults });
    await gateway.start();
  }

  function makeClient(more: Partial<JsonGatewayClientOptions> = {}): JsonGatewayClient {
    return new JsonGatewayClient({
      url: gateway.address,
      timeoutMs: 5000,
      tls: { ca: pkis.own.ca, cert: pkis.own.client.cert, key: pkis.own.client.key },
      retryBackoff: FAST_RETRY,
      merchantId: 'M00000000000001',
      clock: () => NOW,
      ...more,
    });
  }

  /** The error a 3.00 authorization of `cardId` ends in, against a gateway with `faults` and a client made with `more`. */
  async function failedAuthorization(faults: readonly HttpFault[], more: Partial<JsonGatewayClientOptions> = {}, cardId = 'visa-ok'): Promise<PosError> {
    await startGateway(faults);
    client = makeClient(more);
    return rejection(client.authorize(purchase(cardOf(cardId), 300)));
  }

  beforeEach(() => {
    issuer = new IssuerHost({ clock: () => NOW });
  });

  afterEach(async () => {
    await client.close();
    await gateway.stop();
  });

  describe('answers', () => {
    beforeEach(async () => {
      await startGateway();
      client = makeClient();
    });

    it('approves a swipe and debits once; the ledger has terminal, STAN, amount and code', async () => {
      const answer = await client.authorize(purchase(cardOf('visa-ok'), 1250, { stan: '000101', at: AT }));
      expect(answer).toMatchObject({ responseCode: '00', approved: true, stan: '000101' });
      expect(answer.authCode).toMatch(/^A\d{5}$/);
      expect(answer.rrn).toMatch(/^\d{12}$/);
      expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 1250);
      expect(issuer.ledger).toMatchObject([{ mti: '0200', terminalId: 'T0000001', stan: '000101', amountMinor: 1250, responseCode: '00', maskedPan: '411111******1111', reversed: false }]);
      expect(client.state()).toBe('connected');
    });

    it.each<[string, string, number]>([
      ['insufficient funds answer 51', 'mc-low-funds', 600],
      ['an expired card answers 54', 'visa-expired', 100],
      ['a card the issuer does not know answers 14', 'visa-unknown', 100],
    ])('%s', async (_what, id, amount) => {
      const code = _what.slice(-2);
      const answer = await client.authorize(purchase(cardOf(id), amount));
      expect(answer).toMatchObject({ responseCode: code, approved: false, authCode: null });
    });

    it.each<[string, string, string]>([
      ['approves the right PIN (DUKPT, format 0)', '1234', '00'],
      ['declines a wrong PIN with 55', '9999', '55'],
    ])('%s', async (_what, pin, code) => {
      const request = { ...purchase(cardOf('visa-ok'), 100), pin: pinPad()(pin, '4111111111111111') };
      expect((await client.authorize(request)).responseCode).toBe(code);
    });

    it('verifies the ARQC and returns 91 = ARPC ‖ ARC that the card can check', async () => {
      const chip = chipRead('visa-ok', 700);
      const answer = await client.authorize({ ...purchase(cardOf('visa-ok'), 700, { entryMode: 'chip' }), chip: { tlv: Sensitive.of('data', chip.tlv) } });
      expect(answer.responseCode).toBe('00');
      const tag91 = decode(answer.issuerTlv ?? Buffer.alloc(0)).find((n) => n.tag === '91');
      const arc = Buffer.from('00', 'ascii');
      expect(tag91?.value).toEqual(Buffer.concat([generateArpcMethod1(chip.sessionKey, chip.arqc, arc), arc]));
    });

    it('declines a tampered ARQC with 05', async () => {
      const chip = chipRead('visa-ok', 700, { tamper: true });
      const answer = await client.authorize({ ...purchase(cardOf('visa-ok'), 700, { entryMode: 'chip' }), chip: { tlv: Sensitive.of('data', chip.tlv) } });
      expect(answer.responseCode).toBe('05');
      expect(issuer.balanceOf('visa-ok')).toBe(100_000);
    });

    it('answers a second request with the same STAN and day but another body 422 (key reused): HOST_BAD_RESPONSE', async () => {
      await client.authorize(purchase(cardOf('visa-ok'), 100, { stan: '000200', at: AT }));
      const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 999, { stan: '000200', at: AT })));
      expect(err.code).toBe('HOST_BAD_RESPONSE');
      expect(err).toMatchObject({ delivery: 'maybe-sent', details: { reason: 'status', status: 422 } });
      expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 100);
    });

    it('reverses an approved purchase once: balance back, ledger entry reversed; a repeat is acknowledged and moves nothing', async () => {
      await client.authorize(purchase(cardOf('visa-ok'), 4000, { stan: '000300', at: AT }));
      const pending: PendingReversal = {
        transactionId: 'tx-300',
        original: 'purchase',
        stan: '000300',
        terminalId: 'T0000001',
        transmittedAt: AT.toISOString(),
        amountMinor: 4000,
        currency: '978',
        entryMode: 'swipe',
        reason: 'HOST_TIMEOUT',
        maskedPan: '411111******1111',
      };
      expect(await client.reverse(pending)).toEqual({ responseCode: '00', acknowledged: true, stan: '000300' });
      expect(await client.reverse(pending, 1)).toEqual({ responseCode: '00', acknowledged: true, stan: '000300' });
      expect(issuer.balanceOf('visa-ok')).toBe(100_000);
      expect(issuer.ledger.filter((e) => e.mti === '0200')).toMatchObject([{ stan: '000300', reversed: true }]);
    });

    it('drains a ReversalSender through the gateway; an unknown original is acknowledged with 25', async () => {
      const store = new MemoryReversalStore();
      store.add({ transactionId: 'tx-x', original: 'purchase', stan: '000999', terminalId: 'T0000001', transmittedAt: AT.toISOString(), amountMinor: 5, currency: '978', entryMode: 'swipe', reason: 'HOST_TIMEOUT', maskedPan: '411111******1111' });
      const sender = new ReversalSender({ store, send: client.reversalAttempt() });
      expect(await sender.drain()).toEqual({ acknowledged: 1, remaining: 0, stoppedBy: null });
      expect(issuer.ledger.at(-1)).toMatchObject({ mti: '0400', stan: '000999', responseCode: '25' });
    });

    it('builds from an https-json config with the PKI files', async () => {
      const fromConfig = await jsonGatewayFromConfig({ url: gateway.address, timeoutMs: 5000, caFile: pkis.own.caFile, certFile: pkis.own.client.certFile, keyFile: pkis.own.client.keyFile });
      try {
        expect((await fromConfig.authorize(purchase(cardOf('visa-ok'), 10))).responseCode).toBe('00');
      } finally {
        await fromConfig.close();
      }
    });
  });

  describe('idempotent retries', () => {
    it('repeats with the same key after a reset before the answer: one debit, the first answer replayed', async () => {
      await startGateway([{ kind: 'reset', times: 1 }]);
      client = makeClient();
      const answer = await client.authorize(purchase(cardOf('visa-ok'), 300));
      expect(answer.responseCode).toBe('00');
      expect(gateway.requests).toBe(2);
      expect(issuer.ledger).toHaveLength(1);
      expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 300);
    });

    it('gives up after maxRetries resets: HOST_CONNECTION_LOST, may have reached the host', async () => {
      await startGateway([{ kind: 'reset' }]);
      client = makeClient({ maxRetries: 2 });
      const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 300, { stan: '000400' })));
      expect(err.code).toBe('HOST_CONNECTION_LOST');
      expect(err).toMatchObject({ delivery: 'maybe-sent', details: { attempts: 3 } });
      expect(gateway.requests).toBe(3);
      expect(issuer.ledger).toHaveLength(1);
    });

    it('repeats after a 5xx and then succeeds', async () => {
      await startGateway([{ kind: 'server-error', times: 1 }]);
      client = makeClient();
      expect((await client.authorize(purchase(cardOf('visa-ok'), 300))).responseCode).toBe('00');
      expect(gateway.requests).toBe(2);
    });

    it('turns 5xx after every retry into HOST_BAD_RESPONSE with the status', async () => {
      const err = await failedAuthorization([{ kind: 'server-error' }], { maxRetries: 1 });
      expect(err.code).toBe('HOST_BAD_RESPONSE');
      expect(err).toMatchObject({ delivery: 'maybe-sent', details: { reason: 'server-error', status: 500, attempts: 2 } });
    });
  });

  describe('failures', () => {
    it.each<[string, HttpFault, Record<string, unknown>]>([
      ['a body that is not JSON', { kind: 'malformed' }, { reason: 'not-json', attempts: 1 }],
      ['an answer for another STAN', { kind: 'wrong-stan' }, { reason: 'mismatch', field: 'stan' }],
    ])('%s is HOST_BAD_RESPONSE, not repeated', async (_what, fault, details) => {
      const err = await failedAuthorization([fault]);
      expect(err.code).toBe('HOST_BAD_RESPONSE');
      expect(err).toMatchObject({ delivery: 'maybe-sent', details });
      expect(gateway.requests).toBe(1);
    });

    it('no answer within timeoutMs is HOST_TIMEOUT, may have reached the host', async () => {
      const err = await failedAuthorization([{ kind: 'no-answer' }], { timeoutMs: 300 });
      expect(err.code).toBe('HOST_TIMEOUT');
      expect(err).toMatchObject({ delivery: 'maybe-sent', details: { timeoutMs: 300 } });
      expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 300);
    });

    it('a silent issuer card gets no HTTP answer either: HOST_TIMEOUT', async () => {
      const err = await failedAuthorization([], { timeoutMs: 300 }, 'amex-silent-issuer');
      expect(err.code).toBe('HOST_TIMEOUT');
    });

    it('a refused connection is HOST_UNREACHABLE with nothing sent, and no reversal duty', async () => {
      await startGateway();
      client = new JsonGatewayClient({ url: `https://127.0.0.1:${await closedPort()}`, timeoutMs: 2000, tls: { ca: pkis.own.ca } });
      const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 300)));
      expect(err.code).toBe('HOST_UNREACHABLE');
      expect(err).toMatchObject({ delivery: 'not-sent', details: { errno: 'ECONNREFUSED', reason: 'refused' } });
      expect(client.state()).toBe('disconnected');
    });

    it('a gateway whose certificate our pinned CA did not sign is HOST_UNREACHABLE (tls), nothing booked', async () => {
      const err = await failedAuthorization([], { tls: { ca: pkis.stranger.ca, cert: pkis.own.client.cert, key: pkis.own.client.key } });
      expect(err.code).toBe('HOST_UNREACHABLE');
      expect(err).toMatchObject({ delivery: 'not-sent', details: { reason: 'tls' } });
      expect(issuer.ledger).toHaveLength(0);
    });

    it('a caller abort during the wait is HOST_CANCELLED, may have reached the host', async () => {
      await startGateway([{ kind: 'no-answer' }]);
      client = makeClient();
      const abort = new AbortController();
      const pending = rejection(client.authorize(purchase(cardOf('visa-ok'), 300), abort.signal));
      // Abort while the gateway holds the request it received.
      await expect.poll(() => gateway.requests).toBe(1);
      abort.abort();
      const err = await pending;
      expect(err.code).toBe('HOST_CANCELLED');
      expect(err).toMatchObject({ delivery: 'maybe-sent' });
    });

    it.each<[string, () => unknown, string, Record<string, unknown>]>([
      ['a client certificate without its key', () => new JsonGatewayClient({ url: 'https://127.0.0.1:1', timeoutMs: 1, tls: { cert: Buffer.from('x') } }), 'CHANNEL_GATEWAY_CONFIG_INVALID', { reason: 'cert-without-key' }],
      ['a URL that is not http(s)', () => new JsonGatewayClient({ url: 'ftp://127.0.0.1/', timeoutMs: 1 }), 'CHANNEL_GATEWAY_CONFIG_INVALID', { reason: 'protocol' }],
      ['a CA file that cannot be read', () => jsonGatewayFromConfig({ url: 'https://127.0.0.1:1', timeoutMs: 1, caFile: '/nonexistent/ca.crt' }), 'CHANNEL_TLS_MATERIAL_UNREADABLE', { which: 'caFile', errno: 'ENOENT' }],
    ])('refuses %s', async (_what, build, code, details) => {
      await startGateway();
      client = makeClient();
      const error = await rejection(Promise.resolve().then(build));
      expect(error.code).toBe(code);
      expect(error.details).toMatchObject(details);
    });
  });
});

describe('what goes on the wire', () => {
  let server: Server;
  let seen: { url: string; headers: Record<string, unknown>; body: string }[];

  beforeEach(async () => {
    seen = [];
    server = createHttpsServer({ ca: pkis.own.ca, cert: pkis.own.server.cert, key: pkis.own.server.key }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: { ...req.headers }, body });
        const parsed = JSON.parse(body) as { stan: string; terminalId: string; amountMinor: number };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ stan: parsed.stan, terminalId: parsed.terminalId, amountMinor: parsed.amountMinor, responseCode: '00', approved: true, authCode: 'A00001', rrn: '000000000001', issuerData: null }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('card data only in the body: not in the URL or a header; the key is terminal-STAN-day', async () => {
    const client = new JsonGatewayClient({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/gw`, timeoutMs: 5000, tls: { ca: pkis.own.ca } });
    try {
      const request = { ...purchase(cardOf('visa-ok'), 4321, { stan: '000777', at: AT }), pin: pinPad()('1234', '4111111111111111') };
      await client.authorize(request);
    } finally {
      await client.close();
    }
    expect(seen).toHaveLength(1);
    const [only] = seen;
    expect(only?.url).toBe('/gw/v1/authorizations');
    expect(only?.headers['idempotency-key']).toBe('T0000001-000777-20260615');
    const headerText = JSON.stringify(only?.headers);
    expect(headerText).not.toContain('4111111111111111');
    expect(only?.url).not.toContain('411111');
    const body = JSON.parse(only?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      kind: 'purchase',
      stan: '000777',
      transmittedAt: AT.toISOString(),
      amountMinor: 4321,
      currency: '978',
      terminalId: 'T0000001',
      merchantId: 'M00000000000001',
      entryMode: 'swipe',
      card: { pan: '4111111111111111', expiry: '3012', track2: '4111111111111111=30121010000000000' },
      pin: { format: 'iso0' },
    });
    expect((body['pin'] as { block: string; ksn: string }).block).toMatch(/^[0-9A-F]{16}$/);
    expect((body['pin'] as { block: string; ksn: string }).ksn).toMatch(/^[0-9A-F]{20}$/);
  });
});

describe('httpFaultFromRule', () => {
  it.each([
    [{ kind: 'close-mid-message' as const }, { kind: 'reset', route: 'authorizations' }],
    [{ kind: 'garbage' as const }, { kind: 'malformed', route: 'authorizations' }],
    [{ kind: 'late-answer' as const }, { kind: 'delay', ms: 3000, route: 'authorizations' }],
    [{ kind: 'no-answer' as const, mti: '0400', times: 2 }, { kind: 'no-answer', route: 'reversals', times: 2 }],
    [{ kind: 'wrong-mac' as const }, null],
    [{ kind: 'no-answer' as const, mti: '0800' }, null],
  ])('maps %j to %j', (rule, fault) => {
    expect(httpFaultFromRule(rule)).toEqual(fault);
  });
});
