import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { generateArpcMethod1 } from '../../src/crypto/emv/cryptogram.js';
import { keyCheckValue } from '../../src/crypto/keys/kcv.js';
import { decode, encode } from '../../src/emv/ber-tlv.js';
import type { Iso8583HostClient } from '../../src/host/iso8583/client.js';
import { TerminalMacKey } from '../../src/host/keys.js';
import { encodeFinancialRequest, type CardTransaction, type SealedAdvice } from '../../src/host/messages/financial.js';
import { ZERO_TOTALS } from '../../src/host/messages/reconciliation.js';
import type { ReversalInput } from '../../src/host/messages/reversal.js';
import { adviceSealingKey, sealAdviceCard } from '../../src/host/messages/sealed-advice.js';
import { transmissionDateTime } from '../../src/host/messages/fields.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { toHex } from '../../src/util/hex.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { cardOf, isoClient, nextStan, purchase, scriptedHost, frameMessage } from './helpers.js';
import { rejection } from '../pos-error.js';
import { chipRead, KEYS, pinPad } from './issuer-fixtures.js';

const NOW = new Date(2026, 5, 15, 12, 0, 0);
const TERMINAL = 'T0000001';
const MERCHANT = 'M00000000000001';

describe('Iso8583HostClient with MAC against the verifying simulator over TCP', () => {
  let sim: BankHostSimulator;
  let client: Iso8583HostClient;
  let macKey: TerminalMacKey;

  beforeEach(async () => {
    sim = new BankHostSimulator({ clock: () => NOW, requireMac: true });
    await sim.start();
    macKey = TerminalMacKey.fromKeyBlock(KEYS.tdesKbpk, KEYS.file.terminal.tak.keyBlock);
    client = isoClient(sim.port, { macKey });
  });

  afterEach(async () => {
    await client.close();
    await sim.stop();
  });

  describe('online PIN', () => {
    it.each<[string, string, string]>([
      ['approves the right PIN', '1234', '00'],
      ['declines a wrong PIN with 55', '9999', '55'],
    ])('%s', async (_what, pin, code) => {
      const pad = pinPad();
      const request = { ...purchase(cardOf('visa-ok'), 100), pin: pad(pin, '4111111111111111') };
      expect((await client.authorize(request)).responseCode).toBe(code);
      expect(sim.balanceOf('visa-ok')).toBe(code === '00' ? 99_900 : 100_000);
    });

    it('answers 75 at the third wrong PIN and then even to the right one; a right PIN before that resets the count', async () => {
      const pad = pinPad();
      const send = async (pin: string): Promise<string> => (await client.authorize({ ...purchase(cardOf('visa-ok'), 100), pin: pad(pin, '4111111111111111') })).responseCode;
      expect([await send('0000'), await send('0000'), await send('1234')]).toEqual(['55', '55', '00']);
      expect([await send('0000'), await send('0000'), await send('0000'), await send('1234')]).toEqual(['55', '55', '75', '75']);
      sim.issuer.resetPinTries('visa-ok');
      expect(await send('1234')).toBe('00');
    });
  });

  describe('chip', () => {
    it('verifies a good ARQC, approves and answers 91 = ARPC (method 1) ‖ ARC', async () => {
      const chip = chipRead('visa-ok', 2500, { atc: 7 });
      const response = await client.authorize({ ...purchase(cardOf('visa-ok'), 2500, { entryMode: 'chip' }), chip: { tlv: Sensitive.of('data', chip.tlv) } });
      expect(response.responseCode).toBe('00');
      const arc = Buffer.from('00', 'latin1');
      expect(response.issuerTlv).toEqual(encode([{ tag: '91', value: Buffer.concat([generateArpcMethod1(chip.sessionKey, chip.arqc, arc), arc]) }]));
    });

    it('declines a tampered cryptogram input with 05 and no ARPC, and debits nothing', async () => {
      const chip = chipRead('visa-ok', 2500, { atc: 8, tamper: true });
      const response = await client.authorize({ ...purchase(cardOf('visa-ok'), 2500, { entryMode: 'chip' }), chip: { tlv: Sensitive.of('data', chip.tlv) } });
      expect([response.responseCode, response.issuerTlv]).toEqual(['05', undefined]);
      expect(sim.balanceOf('visa-ok')).toBe(100_000);
    });

    it('sends the ARPC with the decline code when a good ARQC meets insufficient funds', async () => {
      const chip = chipRead('mc-low-funds', 600, { atc: 3 });
      const response = await client.authorize({ ...purchase(cardOf('mc-low-funds'), 600, { entryMode: 'chip' }), chip: { tlv: Sensitive.of('data', chip.tlv) } });
      expect(response.responseCode).toBe('51');
      expect(decode(response.issuerTlv ?? Buffer.alloc(0))[0]?.value.subarray(8)).toEqual(Buffer.from('51', 'latin1'));
    });
  });

  describe('MAC', () => {
    it('a terminal with another TAK gets an answer it cannot verify: HOST_BAD_RESPONSE field 64; the host answered 63', async () => {
      const wrong = isoClient(sim.port, { macKey: new TerminalMacKey(Buffer.alloc(16, 0x01)) });
      const err = await rejection(wrong.authorize(purchase(cardOf('visa-ok'), 100)));
      await wrong.close();
      expect(err).toMatchObject({ code: 'HOST_BAD_RESPONSE', delivery: 'maybe-sent', details: { field: 64, reason: 'mac' } });
      expect(sim.ledger.map((e) => e.responseCode)).toEqual(['63']);
      expect(sim.balanceOf('visa-ok')).toBe(100_000);
    });

    it('a host whose answer MAC is wrong: HOST_BAD_RESPONSE field 64, maybe sent', async () => {
      const host = await scriptedHost((frame, socket) => {
        const answer = sim.issuer.handleFrame(frame);
        if (answer === null) return;
        answer[answer.length - 1] = answer[answer.length - 1] === 0x30 ? 0x31 : 0x30; // flip the MAC's last hex digit
        socket.write(frameMessage(answer));
      });
      const viaBadHost = isoClient(host.port, { macKey });
      const err = await rejection(viaBadHost.authorize(purchase(cardOf('visa-ok'), 100)));
      await viaBadHost.close();
      await host.close();
      expect(err).toMatchObject({ delivery: 'maybe-sent', details: { field: 64, reason: 'mac' } });
    });
  });

  it('answers a duplicate STAN from the same terminal on the same day with 94 and does not debit twice', async () => {
    const request = purchase(cardOf('visa-ok'), 1000);
    expect((await client.authorize(request)).responseCode).toBe('00');
    expect((await client.authorize(request)).responseCode).toBe('94');
    expect(sim.balanceOf('visa-ok')).toBe(99_000);
  });

  it('refunds credit the account', async () => {
    const refund: CardTransaction = { ...purchase(cardOf('visa-ok'), 700), kind: 'refund' };
    expect((await client.transact(refund)).responseCode).toBe('00');
    expect(sim.balanceOf('visa-ok')).toBe(100_700);
    expect(sim.ledger[0]).toMatchObject({ kind: 'refund', mti: '0200', reversed: false });
  });

  it('applies an advice once, even beyond the balance, and acknowledges its repeat; its card data sealed to the acquirer', async () => {
    const { kind, stan, at, amountMinor, currency, entryMode, terminalId, merchantId } = purchase(cardOf('mc-low-funds'), 800, { entryMode: 'chip' });
    const request = { kind, stan, at, amountMinor, currency, entryMode, terminalId, merchantId };
    const binding = { terminalId: request.terminalId, stan: request.stan, transmissionDateTime: transmissionDateTime(request.at), amount: '000000000800', currency: '978' };
    const sealedCard = sealAdviceCard(adviceSealingKey(KEYS.acquirerAdvicePublicPem), { track2: Buffer.from('5555555555554444=31061010000000000') }, binding);
    const advice: SealedAdvice = { ...request, maskedPan: '555555******4444', sealedCard };
    expect((await client.advise(advice, 'Y12345')).responseCode).toBe('00');
    expect((await client.advise(advice, 'Y12345', true)).responseCode).toBe('00');
    expect(sim.balanceOf('mc-low-funds')).toBe(-300);
    expect(sim.ledger.map((e) => [e.mti, e.authCode])).toEqual([
      ['0220', 'Y12345'],
      ['0221', 'Y12345'],
    ]);
  });

  describe('reversal', () => {
    const reversalOf = (request: CardTransaction, mti: ReversalInput['mti'] = '0400'): ReversalInput => ({
      mti,
      at: new Date(request.at.getTime() + 60_000),
      original: { mti: '0200', stan: request.stan, transmissionDateTime: transmissionDateTime(request.at) },
      kind: request.kind,
      amountMinor: request.amountMinor,
      currency: request.currency,
      entryMode: request.entryMode,
      terminalId: request.terminalId,
      merchantId: request.merchantId,
      reason: 'noResponse',
    });

    it('re-credits once however often it arrives, marks the ledger entry, and answers 00 to every repeat', async () => {
      const request = purchase(cardOf('visa-ok'), 5000);
      await client.authorize(request);
      expect(sim.balanceOf('visa-ok')).toBe(95_000);
      const answers = [];
      for (const mti of ['0400', '0401', '0401', '0420'] as const) answers.push((await client.reverse(reversalOf(request, mti))).responseCode);
      expect(answers).toEqual(['00', '00', '00', '00']);
      expect(sim.balanceOf('visa-ok')).toBe(100_000);
      expect(sim.ledger[0]).toMatchObject({ mti: '0200', stan: request.stan, reversed: true });
      expect(sim.ledger.filter((e) => e.reversed)).toHaveLength(1);
    });

    it('answers 25 for an original it never saw, and the client calls the duty done', async () => {
      const response = await client.reverse(reversalOf(purchase(cardOf('visa-ok'), 5000)));
      expect(response).toMatchObject({ responseCode: '25', acknowledged: true });
    });
  });

  describe('network management', () => {
    it.each<['001' | '301', string]>([
      ['001', 'sign-on'],
      ['301', 'echo test'],
    ])('%s (%s) is answered 00', async (code) => {
      expect(await client.networkManagement(code, nextStan(), NOW, TERMINAL)).toEqual({ responseCode: '00', accepted: true });
    });

    it('changes the TAK: the next requests are MAC-checked under the new key on both sides', async () => {
      const before = macKey.kcv();
      const response = await client.changeMacKey(KEYS.kek, nextStan(), NOW, TERMINAL);
      expect(response.accepted).toBe(true);
      expect(macKey.kcv()).not.toBe(before);
      expect(macKey.kcv()).toBe(toHex(keyCheckValue(sim.issuer.macKeyOf(TERMINAL), 'tdes')));
      expect((await client.authorize(purchase(cardOf('visa-ok'), 100))).responseCode).toBe('00');
      const stale = isoClient(sim.port, { macKey: TerminalMacKey.fromKeyBlock(KEYS.tdesKbpk, KEYS.file.terminal.tak.keyBlock) });
      expect((await rejection(stale.authorize(purchase(cardOf('visa-ok'), 100)))).details['field']).toBe(64);
      await stale.close();
    });
  });

  describe('reconciliation', () => {
    it.each<[string, number, string]>([
      ['agrees: 00', 0, '00'],
      ['disagrees: 95', 1, '95'],
    ])('%s', async (_what, offBy, code) => {
      const bought = purchase(cardOf('visa-ok'), 3000);
      await client.authorize(bought);
      await client.authorize(purchase(cardOf('visa-ok'), 2000));
      await client.transact({ ...purchase(cardOf('visa-ok'), 500), kind: 'refund' });
      await client.reverse({
        at: NOW,
        original: { mti: '0200', stan: bought.stan, transmissionDateTime: transmissionDateTime(bought.at) },
        kind: 'purchase',
        amountMinor: 3000,
        currency: '978',
        entryMode: 'swipe',
        terminalId: TERMINAL,
        merchantId: MERCHANT,
        reason: 'customerCancellation',
      });
      const hostTotals = { ...ZERO_TOTALS, debitsCount: 2, debitsAmountMinor: 5000, debitsReversalCount: 1, debitsReversalAmountMinor: 3000, creditsCount: 1, creditsAmountMinor: 500 };
      const terminalTotals = { ...hostTotals, debitsAmountMinor: hostTotals.debitsAmountMinor + offBy };
      const response = await client.reconcile({ stan: nextStan(), at: NOW, terminalId: TERMINAL, merchantId: MERCHANT, currency: '978', totals: terminalTotals });
      expect(response).toEqual({ responseCode: code, inBalance: code === '00', hostTotals });
      const next = await client.reconcile({ stan: nextStan(), at: NOW, terminalId: TERMINAL, merchantId: MERCHANT, currency: '978', totals: ZERO_TOTALS });
      expect(next.responseCode).toBe('00');
    });
  });

  it('answers 63 to a request without a MAC when it requires one', () => {
    const plain = encodeFinancialRequest(iso87ascii, purchase(cardOf('visa-ok'), 100), {});
    const answer = decodeMessage(iso87ascii, sim.issuer.handleFrame(plain) ?? Buffer.alloc(0));
    expect([answer.mti, answer.get(39)]).toEqual(['0210', '63']);
    expect(sim.balanceOf('visa-ok')).toBe(100_000);
  });

  it('answers 63 to a tampered request (the amount changed after MACing) without acting on it', () => {
    const bytes = encodeFinancialRequest(iso87ascii, purchase(cardOf('visa-ok'), 100), { macKey: macKey.current() });
    const tampered = Buffer.from(bytes.toString('latin1').replace('000000000100', '000000000001'), 'latin1');
    const answer = decodeMessage(iso87ascii, sim.issuer.handleFrame(tampered) ?? Buffer.alloc(0));
    expect([answer.mti, answer.get(39)]).toEqual(['0210', '63']);
    expect(sim.balanceOf('visa-ok')).toBe(100_000);
  });
});
