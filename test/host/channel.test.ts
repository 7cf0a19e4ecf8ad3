import { afterEach, describe, expect, it } from 'vitest';
import { answerWith, FrameListener, type CoreHandler, type FrameHandler } from '../../hw-mocks/host/listeners.js';
import { parseFaultRule, withFaults, type FaultRule } from '../../hw-mocks/host/faults.js';
import type { ThrowawayPki } from '../../hw-mocks/host/tls-certs.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import type { LengthHeader } from '../../src/host/channels/length-prefix-framer.js';
import { iso8583MatchingReader, matchKey } from '../../src/host/channels/match-key.js';
import { PersistentHostChannel, type PersistentHostChannelOptions } from '../../src/host/channels/persistent-host-channel.js';
import { assertHostTransportAllowed } from '../../src/host/channels/production-guard.js';
import { loadTlsMaterial, type TlsMaterial } from '../../src/host/channels/tls-material.js';
import { rejection, thrown } from '../pos-error.js';
import { throwawayPkis } from './helpers.js';

const TID = 'T0000001';
const TIMEOUT_MS = 300;

/** A host core that books every request and answers 0200 → 0210 00, echoing 4/11/41. */
function bookingCore(): { core: CoreHandler; seen: string[] } {
  const seen: string[] = [];
  const core: CoreHandler = (frame) => {
    const m = decodeMessage(iso87ascii, frame);
    seen.push(`${m.mti}/${String(m.get(11))}`);
    return encodeMessage(iso87ascii, { mti: `${m.mti.slice(0, 2)}${Number(m.mti[2]) + 1}${m.mti[3] ?? '0'}`, fields: { 4: m.get(4), 11: m.get(11), 39: '00', 41: m.get(41) } });
  };
  return { core, seen };
}

function request(stan: string, mti = '0200'): { bytes: Buffer; key: string } {
  const bytes = encodeMessage(iso87ascii, { mti, fields: { 3: '000000', 4: '000000001000', 11: stan, 41: TID } });
  return { bytes, key: matchKey(mti, stan, TID) };
}

interface Rig {
  listener: FrameListener;
  channel: PersistentHostChannel<Iso8583Message>;
  seen: string[];
  late: string[];
  unmatched: string[];
}

const rigs: Rig[] = [];

async function rig(
  opts: { header?: LengthHeader; faults?: readonly FaultRule[]; tls?: { server: ThrowawayPki; client?: TlsMaterial }; channel?: Partial<PersistentHostChannelOptions<Iso8583Message>> } = {},
): Promise<Rig> {
  const { core, seen } = bookingCore();
  const header = opts.header ?? 'binary2';
  let handler: FrameHandler = answerWith(core);
  if (opts.faults !== undefined) handler = withFaults(handler, opts.faults, { dialect: iso87ascii, lengthHeader: header });
  const pki = opts.tls?.server;
  const listener = new FrameListener({
    handler,
    lengthHeader: header,
    ...(pki === undefined ? {} : { tls: { ca: pki.ca, cert: pki.server.cert, key: pki.server.key } }),
  });
  await listener.start();
  const late: string[] = [];
  const unmatched: string[] = [];
  const channel = new PersistentHostChannel<Iso8583Message>({
    host: '127.0.0.1',
    port: listener.port,
    lengthHeader: header,
    readReply: iso8583MatchingReader(iso87ascii),
    backoff: { initialMs: 20, maxMs: 100 },
    onLateReply: (k) => late.push(k),
    onUnmatchedReply: (k) => unmatched.push(k),
    ...(opts.tls?.client === undefined ? {} : { tls: opts.tls.client }),
    ...opts.channel,
  });
  const r = { listener, channel, seen, late, unmatched };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.channel.close();
    await r.listener.stop();
  }
});

describe('PersistentHostChannel over TCP', () => {
  it.each<LengthHeader>(['binary2', 'ascii4'])('answers several requests on one connection with the %s header', async (header) => {
    const { channel, seen } = await rig({ header });
    const answers = await Promise.all(['000001', '000002', '000003'].map((s) => channel.exchange(request(s).bytes, request(s).key, { timeoutMs: 2000 })));
    expect(answers.map((a) => [a.mti, a.get(11), a.get(39)])).toEqual([
      ['0210', '000001', '00'],
      ['0210', '000002', '00'],
      ['0210', '000003', '00'],
    ]);
    expect(seen).toHaveLength(3);
    expect(channel.connectCount).toBe(1);
    expect(channel.state()).toBe('connected');
  });

  it('routes replies by MTI class + STAN + terminal: an 0810 does not answer the 0200 with the same STAN', async () => {
    const { channel } = await rig({ faults: [{ kind: 'delay', ms: 150, mti: '0200' }] });
    const fin = channel.exchange(request('000007').bytes, request('000007').key, { timeoutMs: 2000 });
    const echo = await channel.exchange(request('000007', '0800').bytes, request('000007', '0800').key, { timeoutMs: 2000 });
    expect(echo.mti).toBe('0810');
    expect((await fin).mti).toBe('0210');
  });

  it('refused: HOST_UNREACHABLE, nothing sent', async () => {
    const { channel, listener } = await rig();
    await listener.stop();
    const e = await rejection(channel.exchange(request('000010').bytes, request('000010').key, { timeoutMs: TIMEOUT_MS }));
    expect(e.code).toBe('HOST_UNREACHABLE');
    expect(e).toMatchObject({ delivery: 'not-sent', details: { reason: 'connect-failed', errno: 'ECONNREFUSED' } });
    expect(channel.state()).toBe('disconnected');
  });

  it('no answer: HOST_TIMEOUT after the write; the host booked the request', async () => {
    const { channel, seen } = await rig({ faults: [parseFaultRule('no-answer')] });
    const e = await rejection(channel.exchange(request('000011').bytes, request('000011').key, { timeoutMs: TIMEOUT_MS }));
    expect(e.code).toBe('HOST_TIMEOUT');
    expect(e).toMatchObject({ delivery: 'maybe-sent', details: { timeoutMs: TIMEOUT_MS } });
    expect(seen).toEqual(['0200/000011']);
  });

  it('late answer: HOST_TIMEOUT, and the late 0210 is flagged, not routed to the next request', async () => {
    const { channel, late, unmatched } = await rig({ faults: [parseFaultRule('late-answer:500,times=1')] });
    const e = await rejection(channel.exchange(request('000012').bytes, request('000012').key, { timeoutMs: TIMEOUT_MS }));
    expect(e.code).toBe('HOST_TIMEOUT');
    const next = channel.exchange(request('000013').bytes, request('000013').key, { timeoutMs: 2000 });
    expect((await next).get(11)).toBe('000013');
    await expect.poll(() => late, { timeout: 2000 }).toEqual([matchKey('0200', '000012', TID)]);
    expect(unmatched).toEqual([]);
  });

  it('drop after send: HOST_CONNECTION_LOST with the bytes held; then reconnects for the next request', async () => {
    const { channel } = await rig({ faults: [parseFaultRule('close-mid-message,times=1')] });
    const e = await rejection(channel.exchange(request('000014').bytes, request('000014').key, { timeoutMs: 2000 }));
    expect(e.code).toBe('HOST_CONNECTION_LOST');
    expect(e).toMatchObject({ delivery: 'maybe-sent' });
    expect(e.details['bytesPending']).toBeGreaterThan(2);
    const ok = await channel.exchange(request('000015').bytes, request('000015').key, { timeoutMs: 2000 });
    expect(ok.get(39)).toBe('00');
    expect(channel.connectCount).toBe(2);
  });

  it('half a message that stalls: HOST_BAD_RESPONSE stalled-frame after the inter-byte timeout, connection dropped', async () => {
    const { channel } = await rig({ faults: [parseFaultRule('half-message')], channel: { interByteTimeoutMs: 100 } });
    const e = await rejection(channel.exchange(request('000016').bytes, request('000016').key, { timeoutMs: 5000 }));
    expect(e.code).toBe('HOST_BAD_RESPONSE');
    expect(e).toMatchObject({ delivery: 'maybe-sent', details: { reason: 'stalled-frame', interByteTimeoutMs: 100 } });
  });

  it.each<LengthHeader>(['binary2', 'ascii4'])('an oversized %s header: HOST_BAD_RESPONSE framing before any allocation', async (header) => {
    const { channel } = await rig({ header, faults: [parseFaultRule('oversized-header')], channel: { maxFrameBytes: 4096 } });
    const e = await rejection(channel.exchange(request('000017').bytes, request('000017').key, { timeoutMs: 2000 }));
    expect(e.code).toBe('HOST_BAD_RESPONSE');
    expect(e).toMatchObject({ delivery: 'maybe-sent', details: { reason: 'framing', cause: 'HOST_FRAME_TOO_LARGE', maxFrameBytes: 4096 } });
  });

  it('garbage: HOST_BAD_RESPONSE undecodable, the connection stays usable', async () => {
    const { channel } = await rig({ faults: [parseFaultRule('garbage,times=1')] });
    const e = await rejection(channel.exchange(request('000018').bytes, request('000018').key, { timeoutMs: 2000 }));
    expect(e.code).toBe('HOST_BAD_RESPONSE');
    expect(e).toMatchObject({ delivery: 'maybe-sent', details: { reason: 'undecodable' } });
    expect((await channel.exchange(request('000019').bytes, request('000019').key, { timeoutMs: 2000 })).get(39)).toBe('00');
    expect(channel.connectCount).toBe(1);
  });

  it('wrong STAN: the stray reply is unmatched and the request times out', async () => {
    const { channel, unmatched } = await rig({ faults: [parseFaultRule('wrong-stan')] });
    const e = await rejection(channel.exchange(request('000020').bytes, request('000020').key, { timeoutMs: TIMEOUT_MS }));
    expect(e.code).toBe('HOST_TIMEOUT');
    expect(unmatched).toEqual([matchKey('0210', '000021', TID)]);
  });

  it('reconnects in the background after the server restarts', async () => {
    const { channel, listener } = await rig();
    await channel.exchange(request('000030').bytes, request('000030').key, { timeoutMs: 2000 });
    await listener.stop();
    await expect.poll(() => channel.state(), { timeout: 2000 }).toBe('disconnected');
    await listener.start();
    await expect.poll(() => channel.connectCount, { timeout: 3000 }).toBe(2);
    expect(channel.state()).toBe('connected');
    expect((await channel.exchange(request('000031').bytes, request('000031').key, { timeoutMs: 2000 })).get(11)).toBe('000031');
  });

  it('cancel after sending: HOST_CANCELLED, maybe sent', async () => {
    const { channel, seen } = await rig({ faults: [parseFaultRule('no-answer')] });
    const ac = new AbortController();
    const p = channel.exchange(request('000040').bytes, request('000040').key, { timeoutMs: 5000, signal: ac.signal });
    // The host has the request and holds its answer: now the caller gives up.
    await expect.poll(() => seen).toEqual(['0200/000040']);
    ac.abort();
    const e = await rejection(p);
    expect(e.code).toBe('HOST_CANCELLED');
    expect(e).toMatchObject({ delivery: 'maybe-sent' });
  });

  it('refuses a second request with a key already in flight', async () => {
    const { channel } = await rig({ faults: [parseFaultRule('delay:100')] });
    const first = channel.exchange(request('000050').bytes, request('000050').key, { timeoutMs: 2000 });
    const e = await rejection(channel.exchange(request('000050').bytes, request('000050').key, { timeoutMs: 2000 }));
    expect(e.code).toBe('HOST_REQUEST_INVALID');
    expect(e).toMatchObject({ delivery: 'not-sent', details: { reason: 'duplicate-key' } });
    await first;
  });
});

describe('PersistentHostChannel over mutual TLS', () => {
  const pkis = throwawayPkis('pos-host');

  it('handshakes with the pinned CA and a client certificate, then exchanges', async () => {
    const client = loadTlsMaterial({ caFile: pkis.own.caFile, certFile: pkis.own.client.certFile, keyFile: pkis.own.client.keyFile });
    const { channel } = await rig({ tls: { server: pkis.own, client } });
    expect(channel.description).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    expect((await channel.exchange(request('000060').bytes, request('000060').key, { timeoutMs: 2000 })).get(39)).toBe('00');
  });

  it.each([
    ['refuses a host whose certificate another CA signed', '000061', () => ({ ca: pkis.stranger.ca, cert: pkis.own.client.cert, key: pkis.own.client.key })],
    ['is refused by the host without a client certificate its CA signed', '000062', () => ({ ca: pkis.own.ca, cert: pkis.stranger.client.cert, key: pkis.stranger.client.key })],
  ])('%s: HOST_UNREACHABLE tls-handshake, nothing sent', async (_what, stan, clientTls) => {
    const { channel, seen } = await rig({ tls: { server: pkis.own, client: clientTls() } });
    const e = await rejection(channel.exchange(request(stan).bytes, request(stan).key, { timeoutMs: 2000 }));
    expect(e.code).toBe('HOST_UNREACHABLE');
    expect(e).toMatchObject({ delivery: 'not-sent', details: { reason: 'tls-handshake' } });
    expect(seen).toEqual([]);
  });

  it('names the unreadable TLS file', () => {
    const error = thrown(() => loadTlsMaterial({ caFile: '/nonexistent/ca.crt', certFile: pkis.own.client.certFile, keyFile: pkis.own.client.keyFile }));
    expect(error.code).toBe('CHANNEL_TLS_MATERIAL_UNREADABLE');
    expect(error.details).toMatchObject({ which: 'caFile', path: '/nonexistent/ca.crt', errno: 'ENOENT' });
  });
});

describe('assertHostTransportAllowed', () => {
  const PROD = { NODE_ENV: 'production' };
  it.each([
    ['plain TCP on loopback in production', { type: 'iso8583-tcp', address: '127.0.0.1' } as const, PROD],
    ['plain TCP to localhost in production', { type: 'iso8583-tcp', address: 'localhost' } as const, PROD],
    ['TLS off loopback in production', { type: 'iso8583-tcp', address: '10.1.2.3', tls: {} } as const, PROD],
    ['plain TCP off loopback outside production', { type: 'iso8583-tcp', address: '10.1.2.3' } as const, { NODE_ENV: 'development' }],
    ['an https gateway in production', { type: 'https-json', url: 'https://gw.example.com/v1' } as const, PROD],
  ])('allows %s', (_what, host, env) => {
    expect(() => assertHostTransportAllowed(host, env)).not.toThrow();
  });

  it.each([
    ['plain TCP to 10.1.2.3', { type: 'iso8583-tcp', address: '10.1.2.3' } as const, { address: '10.1.2.3', reason: 'plain-tcp' }],
    ['plain TCP to a host name', { type: 'iso8583-tcp', address: 'acq.example.com' } as const, { address: 'acq.example.com', reason: 'plain-tcp' }],
    ['an http gateway', { type: 'https-json', url: 'http://gw.example.com/v1' } as const, { address: 'gw.example.com', reason: 'plain-http' }],
  ])('refuses %s in production', (_what, host, details) => {
    const error = thrown(() => assertHostTransportAllowed(host, PROD));
    expect(error.code).toBe('CHANNEL_PLAINTEXT_REFUSED');
    expect(error.kind).toBe('config');
    expect(error.details).toEqual(details);
  });
});
