import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { FieldValue } from '../../src/iso8583/types.js';
import { matchKey } from '../../src/host/channels/match-key.js';
import type { Iso8583HostClient } from '../../src/host/iso8583/client.js';
import { cardOf, closedPort, closeIsoClients, frameMessage, isoClient, magstripe, purchase, scriptedHost, type ScriptedHost, terminalMacKey } from './helpers.js';
import { rejection } from '../pos-error.js';
import { encodeWithMac } from '../../src/host/messages/mac.js';

/** The TAK the scripted host MACs its answers under (the client's own). */
const MAC_KEY = terminalMacKey();

/** The simulator's clock: mid-2026, local time. */
const NOW = new Date(2026, 5, 15, 12, 0, 0);
const SHORT_TIMEOUT_MS = 200;

describe('Iso8583HostClient against the bank-host simulator over TCP', () => {
  let sim: BankHostSimulator;
  let client: Iso8583HostClient;

  beforeEach(async () => {
    sim = new BankHostSimulator({ clock: () => NOW });
    await sim.start();
    client = isoClient(sim.port);
  });

  afterEach(async () => {
    await closeIsoClients();
    await sim.stop();
  });

  it.each<[string, string, number, string, boolean]>([
    ['approves a card in good standing', 'visa-ok', 1234, '00', true],
    ['declines 51 when the amount exceeds the balance', 'mc-low-funds', 600, '51', false],
    ['declines 54 for an expired card', 'visa-expired', 100, '54', false],
    ['declines 14 for a card the issuer never issued', 'visa-unknown', 100, '14', false],
    ['declines 62 for an ATM-only card', 'discover-atm-only', 100, '62', false],
    ['declines 14 for a PAN failing Luhn', 'visa-bad-luhn', 100, '14', false],
  ])('%s (%s → %s)', async (_what, id, amount, code, approved) => {
    const request = purchase(cardOf(id), amount);
    const response = await client.authorize(request);
    expect(response).toMatchObject({ responseCode: code, approved, stan: request.stan });
    expect(response.rrn).toMatch(/^\d{12}$/);
    if (approved) expect(response.authCode).toMatch(/^[A-Z0-9]{6}$/);
    else expect(response.authCode).toBeNull();
    expect(client.state()).toBe('connected');
  });

  it('declines 14 for a PAN with no deck entry', async () => {
    const response = await client.authorize(purchase(magstripe('4242424242424242'), 100));
    expect(response.responseCode).toBe('14');
  });

  it('debits the balance on approval, then declines 51', async () => {
    expect((await client.authorize(purchase(cardOf('visa-ok'), 60_000))).responseCode).toBe('00');
    expect(sim.balanceOf('visa-ok')).toBe(40_000);
    expect((await client.authorize(purchase(cardOf('visa-ok'), 50_000))).responseCode).toBe('51');
    expect(sim.balanceOf('visa-ok')).toBe(40_000);
  });

  it('times out on a card whose issuer does not answer: the request may have reached the host', async () => {
    const quick = isoClient(sim.port, { timeoutMs: SHORT_TIMEOUT_MS });
    const request = purchase(cardOf('amex-silent-issuer'), 100);
    const err = await rejection(quick.authorize(request));
    expect(err.code).toBe('HOST_TIMEOUT');
    expect(err).toMatchObject({ delivery: 'maybe-sent', details: { timeoutMs: SHORT_TIMEOUT_MS } });
    expect(JSON.stringify(err) + err.message).not.toContain('378282246310005');
    expect(sim.ledger.at(-1)).toMatchObject({ stan: request.stan, responseCode: null, maskedPan: '378282*****0005' });
  });

  it('refuses a request that does not encode before anything is sent', async () => {
    const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 1, { stan: '12345' })));
    expect(err).toMatchObject({ code: 'HOST_REQUEST_INVALID', delivery: 'not-sent', details: { field: 11 } });
    expect(sim.ledger).toEqual([]);
  });

  it('cancels before sending when the signal is already aborted', async () => {
    const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 1), AbortSignal.abort()));
    expect(err).toMatchObject({ code: 'HOST_CANCELLED', delivery: 'not-sent' });
    expect(sim.ledger).toEqual([]);
  });

  it('cancels after sending when aborted while waiting: the request may have reached the host', async () => {
    const controller = new AbortController();
    const request = purchase(cardOf('amex-silent-issuer'), 1);
    const pending = rejection(client.authorize(request, controller.signal));
    await expect.poll(() => sim.ledger.length).toBeGreaterThan(0);
    controller.abort();
    expect(await pending).toMatchObject({ code: 'HOST_CANCELLED', delivery: 'maybe-sent' });
  });
});

describe('Iso8583HostClient when the host misbehaves', () => {
  let host: ScriptedHost | undefined;

  afterEach(async () => {
    await closeIsoClients();
    await host?.close();
    host = undefined;
  });

  const clientFor = (port: number, timeoutMs = 2000): Iso8583HostClient => isoClient(port, { timeoutMs });

  /** A 0210 answering `frame`, with `changes` applied, MAC'd as the host would. */
  function answer(frame: Buffer, changes: Record<number, FieldValue | undefined> = {}): Buffer {
    const req = decodeMessage(iso87ascii, frame);
    const fields: Record<number, FieldValue | undefined> = { 4: req.get(4), 11: req.get(11), 37: '000000000042', 38: 'OK0001', 39: '00', 41: req.get(41) };
    return encodeWithMac(iso87ascii, { mti: '0210', fields: { ...fields, ...changes } }, MAC_KEY.current());
  }

  function unmacedAnswer(frame: Buffer): Buffer {
    const req = decodeMessage(iso87ascii, frame);
    return encodeMessage(iso87ascii, { mti: '0210', fields: { 4: req.get(4), 11: req.get(11), 37: '000000000042', 38: 'OK0001', 39: '00', 41: req.get(41) } });
  }

  /** The issuer's MAC'd 51, with DE 39 turned into 00 and the MAC left as it was. */
  function rewrittenAnswer(frame: Buffer): Buffer {
    const declined = decodeMessage(iso87ascii, answer(frame, { 38: undefined, 39: '51' }));
    const req = decodeMessage(iso87ascii, frame);
    return encodeMessage(iso87ascii, { mti: '0210', fields: { 4: req.get(4), 11: req.get(11), 37: '000000000042', 39: '00', 41: req.get(41), 64: declined.get(64) } });
  }

  it('reports HOST_UNREACHABLE when the connection is refused, with nothing sent', async () => {
    const client = clientFor(await closedPort());
    const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 1)));
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err).toMatchObject({ delivery: 'not-sent', details: { errno: 'ECONNREFUSED' } });
    expect(client.state()).toBe('disconnected');
  });

  it.each<[string, (frame: Buffer, socket: Socket) => void, string, Record<string, unknown>]>([
    ['the connection closed before any reply', (_f, s) => s.end(), 'HOST_CONNECTION_LOST', { bytesPending: 0 }],
    [
      'the connection closed mid-reply',
      (f, s) => {
        const reply = frameMessage(answer(f));
        s.end(reply.subarray(0, 20));
      },
      'HOST_CONNECTION_LOST',
      { bytesPending: 20 },
    ],
    ['a reply that does not decode', (_f, s) => s.write(frameMessage(Buffer.from('garbage!', 'latin1'))), 'HOST_BAD_RESPONSE', { reason: 'undecodable', cause: 'ISO8583_MTI_INVALID', field: 0, offset: 0 }],
    ['a reply without a STAN', (f, s) => s.write(frameMessage(answer(f, { 11: undefined }))), 'HOST_BAD_RESPONSE', { reason: 'undecodable', field: 11 }],
    ['a frame header beyond the limit', (_f, s) => s.write(Buffer.from([0xff, 0xff, 0x30])), 'HOST_BAD_RESPONSE', { reason: 'framing', cause: 'HOST_FRAME_TOO_LARGE' }],
    ['a 0210 echoing another amount', (f, s) => s.write(frameMessage(answer(f, { 4: '000000000002' }))), 'HOST_BAD_RESPONSE', { field: 4, reason: 'mismatch' }],
    // Only an authenticated answer counts: no MAC, or a MAC over other content, is a bad response (and owes a reversal).
    ['an answer without a MAC', (f, s) => s.write(frameMessage(unmacedAnswer(f))), 'HOST_BAD_RESPONSE', { field: 64, reason: 'missing' }],
    ['a decline rewritten on the wire from 51 to 00', (f, s) => s.write(frameMessage(rewrittenAnswer(f))), 'HOST_BAD_RESPONSE', { field: 64, reason: 'mac' }],
    // Replies are matched by MTI class + STAN + terminal ID: another terminal's answer is not ours, so ours never comes.
    ['a 0210 echoing another terminal', (f, s) => s.write(frameMessage(answer(f, { 41: 'T9999999' }))), 'HOST_TIMEOUT', {}],
  ])('reports %s as %s: the request may have reached the host', async (_what, script, code, details) => {
    host = await scriptedHost(script);
    const request = purchase(cardOf('visa-ok'), 1);
    const err = await rejection(clientFor(host.port).authorize(request));
    expect(err.code).toBe(code);
    expect(err).toMatchObject({ delivery: 'maybe-sent', details });
    expect(host.requests).toHaveLength(1);
  });

  it('ignores a reply with another STAN, flags it, and times out', async () => {
    host = await scriptedHost((f, s) => s.write(frameMessage(answer(f, { 11: '999999' }))));
    const flagged: string[] = [];
    const client = isoClient(host.port, { timeoutMs: SHORT_TIMEOUT_MS, channel: { onUnmatchedReply: (k) => flagged.push(k) } });
    const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 1)));
    expect(err).toMatchObject({ code: 'HOST_TIMEOUT', delivery: 'maybe-sent' });
    expect(flagged).toEqual([matchKey('0210', '999999', 'T0000001')]);
  });

  it('skips a reply with another STAN and a keep-alive, and takes the one that matches', async () => {
    host = await scriptedHost((f, s) => {
      s.write(Buffer.concat([frameMessage(answer(f, { 11: '999999' })), frameMessage(Buffer.alloc(0)), frameMessage(answer(f))]));
    });
    const response = await clientFor(host.port).authorize(purchase(cardOf('visa-ok'), 1));
    expect(response).toMatchObject({ responseCode: '00', authCode: 'OK0001', rrn: '000000000042' });
  });

  it('keeps working after failures: the same client is approved once the host behaves', async () => {
    const script: ((f: Buffer, s: Socket) => void)[] = [
      (_f, s) => s.end(),
      (_f, s) => s.write(frameMessage(Buffer.from('garbage!', 'latin1'))),
      (f, s) => s.write(frameMessage(answer(f, { 4: '000000000002' }))),
      (f, s) => s.write(frameMessage(answer(f))),
    ];
    host = await scriptedHost((f, s) => script[host!.requests.length - 1]?.(f, s));
    const client = clientFor(host.port);
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push((await rejection(client.authorize(purchase(cardOf('visa-ok'), 1)))).code);
    expect(codes).toEqual(['HOST_CONNECTION_LOST', 'HOST_BAD_RESPONSE', 'HOST_BAD_RESPONSE']);
    expect((await client.authorize(purchase(cardOf('visa-ok'), 1))).approved).toBe(true);
    expect(client.state()).toBe('connected');
  });

  it('sends the PAN only inside the 0200, never in an error', async () => {
    host = await scriptedHost((_f, s) => s.write(frameMessage(Buffer.from('0210zz', 'latin1'))));
    const err = await rejection(clientFor(host.port).authorize(purchase(cardOf('visa-ok'), 1)));
    expect(decodeMessage(iso87ascii, host.requests[0]!).get(2)).toBe('4111111111111111');
    const printed = JSON.stringify(err) + err.message;
    expect(printed).not.toContain('4111111111111111');
  });
});
