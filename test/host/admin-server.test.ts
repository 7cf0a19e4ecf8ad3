/**
 * The simulator as `pos host-sim` composes it, in process, over real sockets:
 * the admin port's ledger against what the terminal sent (ISO 8583 and
 * JSON), TLS with the ASCII header, and fault rules reaching both wires.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startHostSimServer, type HostSimServer } from '../../hw-mocks/host/host-sim-server.js';
import { parseFaultRule } from '../../hw-mocks/host/faults.js';
import { iso8583ChannelFromConfig } from '../../src/host/channels/from-config.js';
import { Iso8583HostClient } from '../../src/host/iso8583/client.js';
import { JsonGatewayClient } from '../../src/host/json-gateway/json-gateway-client.js';
import { reversalFromPending } from '../../src/host/messages/reversal.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { cardOf, isoClient, purchase, terminalMacKey } from './helpers.js';
import { rejection } from '../pos-error.js';

const NOW = new Date(2026, 5, 15, 12, 0, 0);
const AT = new Date(Date.UTC(2026, 5, 15, 14, 30, 0));

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function url(sim: HostSimServer, name: 'iso8583' | 'https' | 'admin'): string {
  const e = sim.endpoint(name);
  if (e === undefined) throw new Error(`no ${name} endpoint`);
  return e.url;
}

describe('admin port', () => {
  let sim: HostSimServer;
  let client: Iso8583HostClient;

  afterEach(async () => {
    await client.close();
    await sim.stop();
  });

  it('sums holds, captures and releases per terminal at GET /v1/summary', async () => {
    sim = await startHostSimServer({ port: 0, adminPort: 0, clock: () => NOW });
    client = isoClient(sim.endpoint('iso8583')?.port ?? 0);
    const hold = { ...purchase(cardOf('visa-ok'), 10_000, { stan: '000021', at: AT }), kind: 'preauth' as const };
    const held = await client.authorize(hold);
    await client.authorize({ ...purchase(cardOf('visa-ok'), 3000, { stan: '000022', at: AT }), kind: 'preauth' });
    const original = { transactionId: 't', kind: 'preauth', stan: '000021', transmittedAt: AT.toISOString(), amountMinor: 10_000, currency: '978', authCode: held.authCode, rrn: held.rrn, entryMode: 'swipe', maskedPan: null } as const;
    expect((await client.followUp({ kind: 'completion', stan: '000023', at: AT, amountMinor: 7000, currency: '978', terminalId: 'T0000001', merchantId: 'M00000000000001', original })).responseCode).toBe('00');
    const summary = await getJson(`${url(sim, 'admin')}/v1/summary?terminal=T0000001`);
    expect(summary).toMatchObject({ status: 200, body: { preauths: 2, holds: 1, heldMinor: 3000, captures: 1, capturedMinor: 7000, releases: 0 } });
    expect((await getJson(`${url(sim, 'admin')}/v1/summary?terminal=T0000002`)).body).toMatchObject({ preauths: 0, captures: 0 });
  });

  it('lists every financial request with terminal, STAN, amount, code and whether it was reversed', async () => {
    sim = await startHostSimServer({ port: 0, adminPort: 0, clock: () => NOW });
    client = isoClient(sim.endpoint('iso8583')?.port ?? 0);
    await client.authorize(purchase(cardOf('visa-ok'), 1500, { stan: '000011', at: AT }));
    await client.authorize(purchase(cardOf('mc-low-funds'), 900, { stan: '000012', at: AT }));
    const pending = { transactionId: 't', original: 'purchase', stan: '000011', terminalId: 'T0000001', transmittedAt: AT.toISOString(), amountMinor: 1500, currency: '978', entryMode: 'swipe', reason: 'HOST_TIMEOUT', maskedPan: '411111******1111' } as const;
    expect((await client.reverse(reversalFromPending(pending, { merchantId: 'M00000000000001', at: NOW }))).acknowledged).toBe(true);

    const ledger = await getJson(`${url(sim, 'admin')}/v1/ledger`);
    expect(ledger.status).toBe(200);
    expect(ledger.body['entries']).toEqual([
      expect.objectContaining({ mti: '0200', terminalId: 'T0000001', stan: '000011', amountMinor: 1500, currency: '978', responseCode: '00', reversed: true, maskedPan: '411111******1111', time: NOW.toISOString() }),
      expect.objectContaining({ mti: '0200', terminalId: 'T0000001', stan: '000012', amountMinor: 900, responseCode: '51', reversed: false }),
    ]);
    expect(JSON.stringify(ledger.body)).not.toContain('4111111111111111');

    const all = await getJson(`${url(sim, 'admin')}/v1/ledger?all=1`);
    expect((all.body['entries'] as { mti: string }[]).map((e) => e.mti)).toEqual(['0200', '0200', '0400']);
    const health = await getJson(`${url(sim, 'admin')}/v1/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', requests: 3, financial: 2 } });
  });

  it('answers an unknown route 404 and a POST 405, as JSON', async () => {
    sim = await startHostSimServer({ port: 0, adminPort: 0 });
    client = isoClient(1, { timeoutMs: 1 });
    expect(await getJson(`${url(sim, 'admin')}/v1/nothing`)).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    const post = await fetch(`${url(sim, 'admin')}/v1/ledger`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
  });
});

describe('host-sim server composition', () => {
  let sim: HostSimServer;
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await sim.stop();
  });

  it('serves ISO 8583 over mutual TLS with the ASCII header and JSON over HTTPS on one ledger; stop removes the PKI', async () => {
    sim = await startHostSimServer({ port: 0, tls: true, lengthHeader: 'ascii4', httpsPort: 0, adminPort: 0, clock: () => NOW });
    expect(url(sim, 'iso8583')).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const pki = sim.pki;
    if (pki === null) throw new Error('no PKI');
    const channel = iso8583ChannelFromConfig(
      { address: '127.0.0.1', port: sim.endpoint('iso8583')?.port ?? 0, lengthHeader: 'ascii4', tls: { caFile: pki.caFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile } },
      { dialect: iso87ascii },
    );
    const iso = new Iso8583HostClient({ channel, timeoutMs: 5000 , macKey: terminalMacKey()});
    closers.push(() => iso.close());
    const json = new JsonGatewayClient({ url: url(sim, 'https'), timeoutMs: 5000, tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } });
    closers.push(() => json.close());

    expect((await iso.authorize(purchase(cardOf('visa-ok'), 100, { stan: '000021', at: AT }))).responseCode).toBe('00');
    expect((await json.authorize(purchase(cardOf('visa-ok'), 200, { stan: '000022', at: AT }))).responseCode).toBe('00');
    // the same terminal, STAN and day over the other wire is a duplicate for the issuer
    expect((await json.authorize(purchase(cardOf('visa-ok'), 100, { stan: '000021', at: AT }))).responseCode).toBe('94');
    expect(sim.issuer.balanceOf('visa-ok')).toBe(100_000 - 300);
    const ledger = await getJson(`${url(sim, 'admin')}/v1/ledger`);
    expect((ledger.body['entries'] as { stan: string; responseCode: string }[]).map((e) => [e.stan, e.responseCode])).toEqual([
      ['000021', '00'],
      ['000022', '00'],
      ['000021', '94'],
    ]);
    expect(existsSync(pki.dir)).toBe(true);
    await sim.stop();
    expect(existsSync(pki.dir)).toBe(false);
  });

  it('applies --fault rules on the ISO wire and, mapped, on the HTTPS wire', async () => {
    sim = await startHostSimServer({ port: 0, httpsPort: 0, faults: [parseFaultRule('no-answer,pan=4111111111111111')], clock: () => NOW });
    const pki = sim.pki;
    if (pki === null) throw new Error('no PKI');
    const iso = isoClient(sim.endpoint('iso8583')?.port ?? 0, { timeoutMs: 300 });
    closers.push(() => iso.close());
    const json = new JsonGatewayClient({ url: url(sim, 'https'), timeoutMs: 300, tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } });
    closers.push(() => json.close());
    for (const client of [iso, json]) {
      const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 100)));
      expect(err.code).toBe('HOST_TIMEOUT');
      expect(err).toMatchObject({ delivery: 'maybe-sent' });
    }
    // another card is not affected, and the lost answers were still booked
    expect((await json.authorize(purchase(cardOf('mc-low-funds'), 100))).responseCode).toBe('00');
    expect(sim.issuer.ledger.filter((e) => e.maskedPan === '411111******1111')).toHaveLength(2);
  });

  it('rejects a port in use with HOST_SIM_LISTEN_FAILED and leaves nothing behind', async () => {
    sim = await startHostSimServer({ port: 0 });
    const error = await rejection(startHostSimServer({ port: 0, adminPort: sim.endpoint('iso8583')?.port ?? 0 }));
    expect(error.code).toBe('HOST_SIM_LISTEN_FAILED');
    expect(error.details).toMatchObject({ errno: 'EADDRINUSE' });
  });
});
