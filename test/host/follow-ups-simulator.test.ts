/**
 * Pre-authorizations, completions, releases, refunds, voids, cashback and
 * tip adjustments end to end over real sockets: the terminal's
 * `Iso8583HostClient` (MAC'd under the simulation TAK, every answer's MAC
 * checked) against the bank-host simulator with `requireMac`, and the JSON
 * profile against its HTTPS gateway. What the simulator's ledger says after
 * each is asserted against `hw-mocks/host/ledger.ts` and
 * `issuer-follow-up.ts`: each applied once, holds and captures as documented.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { parseFaultRule } from '../../hw-mocks/host/faults.js';
import { startHostSimServer, type HostSimServer } from '../../hw-mocks/host/host-sim-server.js';
import { HttpsGateway } from '../../hw-mocks/host/https-gateway.js';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import type { Iso8583HostClient } from '../../src/host/iso8583/client.js';
import { JsonGatewayClient } from '../../src/host/json-gateway/json-gateway-client.js';
import { ZERO_TOTALS } from '../../src/host/messages/reconciliation.js';
import { reversalFromPending } from '../../src/host/messages/reversal.js';
import type { AuthorizationResponse, CardRequest, FollowUpRequest, OriginalTransaction } from '../../src/host/model.js';
import type { PendingReversal } from '../../src/host/reversal-store.js';
import { cardOf, closeIsoClients, isoClient, nextStan, purchase, throwawayPkis } from './helpers.js';

const NOW = new Date(2026, 5, 15, 12, 0, 0);
const MERCHANT = 'M00000000000001';
const START_BALANCE = 100_000;

function request(kind: CardRequest['kind'], amountMinor: number, more: Partial<CardRequest> = {}): CardRequest {
  return { ...purchase(cardOf('visa-ok'), amountMinor), kind, ...more };
}

/** The original as the journal keeps it, from the request and its approval. */
function originalOf(sent: CardRequest, answer: AuthorizationResponse): OriginalTransaction {
  return {
    transactionId: `txn-${sent.stan}`,
    kind: sent.kind,
    stan: sent.stan,
    transmittedAt: sent.at.toISOString(),
    amountMinor: sent.amountMinor,
    currency: sent.currency,
    authCode: answer.authCode,
    rrn: answer.rrn,
    entryMode: sent.entryMode,
    maskedPan: '411111******1111',
  };
}

function followUp(kind: FollowUpRequest['kind'], original: OriginalTransaction, amountMinor: number, more: Partial<FollowUpRequest> = {}): FollowUpRequest {
  return { kind, stan: nextStan(), at: new Date(Date.UTC(2026, 5, 15, 15, 0, 0)), amountMinor, currency: '978', terminalId: 'T0000001', merchantId: MERCHANT, original, ...more };
}

/** The reversal duty the engine would record for `original` (a void, a release, or an unknown outcome). */
function duty(kind: PendingReversal['original'], sent: { stan: string; at: Date; amountMinor: number }, reason: string): PendingReversal {
  return {
    transactionId: `txn-${sent.stan}`,
    original: kind,
    stan: sent.stan,
    terminalId: 'T0000001',
    transmittedAt: sent.at.toISOString(),
    amountMinor: sent.amountMinor,
    currency: '978',
    entryMode: 'swipe',
    reason,
    maskedPan: '411111******1111',
  };
}

describe('the new transaction types against the ISO 8583 simulator over TCP', () => {
  let sim: BankHostSimulator;
  let client: Iso8583HostClient;

  async function start(completionMessage?: 'advice' | 'request'): Promise<void> {
    sim = new BankHostSimulator({ clock: () => NOW, requireMac: true });
    await sim.start();
    client = isoClient(sim.port, completionMessage === undefined ? {} : { completionMessage });
  }

  const reverse = (p: PendingReversal, attempt = 0, completionMessage?: 'advice' | 'request'): Promise<{ responseCode: string; acknowledged: boolean }> =>
    client.reverse(reversalFromPending(p, { merchantId: MERCHANT, at: NOW, attempt: attempt + 1, ...(completionMessage === undefined ? {} : { completionMessage }) }));

  async function approvedHold(amountMinor: number): Promise<{ sent: CardRequest; original: OriginalTransaction }> {
    const sent = request('preauth', amountMinor);
    const answer = await client.authorize(sent);
    expect(answer).toMatchObject({ responseCode: '00', approved: true });
    return { sent, original: originalOf(sent, answer) };
  }

  afterEach(async () => {
    await closeIsoClients();
    await sim.stop();
  });

  describe('pre-authorization and completion (0100, then 0220)', () => {
    beforeEach(() => start());

    it('a 0100 holds its amount: the available balance goes down, one hold in the ledger', async () => {
      await approvedHold(10_000);
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
      expect(sim.summary('T0000001')).toMatchObject({ preauths: 1, holds: 1, heldMinor: 10_000, captures: 0 });
      expect(sim.ledger.at(-1)).toMatchObject({ mti: '0100', kind: 'preauth', heldMinor: 10_000, capturedMinor: null, responseCode: '00' });
    });

    it('a completion captures 8250 of 10000 and frees the rest; its answer carries the hold\'s auth code', async () => {
      const { original } = await approvedHold(10_000);
      const answer = await client.followUp(followUp('completion', original, 8250));
      expect(answer).toMatchObject({ responseCode: '00', approved: true, authCode: original.authCode });
      expect(answer.rrn).toMatch(/^\d{12}$/);
      expect(answer.rrn).not.toBe(original.rrn);
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 8250);
      expect(sim.summary('T0000001')).toMatchObject({ preauths: 1, holds: 0, heldMinor: 0, captures: 1, capturedMinor: 8250 });
      const [hold, completion] = sim.ledger;
      expect(hold).toMatchObject({ mti: '0100', heldMinor: 0, completed: true });
      // the 0220 carried no card data: the simulator knows the card only from the hold it named
      expect(completion).toMatchObject({ mti: '0220', kind: 'completion', capturedMinor: 8250, originalStan: original.stan, maskedPan: '411111******1111' });
    });

    it('a completion over the hold is declined 13 and moves nothing; the hold then completes within it', async () => {
      const { original } = await approvedHold(10_000);
      expect(await client.followUp(followUp('completion', original, 10_001))).toMatchObject({ responseCode: '13', approved: false });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
      expect(sim.summary()).toMatchObject({ holds: 1, heldMinor: 10_000, captures: 0 });
      expect((await client.followUp(followUp('completion', original, 10_000))).responseCode).toBe('00');
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
      expect(sim.summary()).toMatchObject({ holds: 0, captures: 1, capturedMinor: 10_000 });
    });

    it('a release (0400 naming the 0100, DE 39 17) frees the hold once; a completion after it is declined 12', async () => {
      const { sent, original } = await approvedHold(10_000);
      const release = duty('preauth', sent, 'TXN_RELEASED');
      expect(await reverse(release)).toMatchObject({ responseCode: '00', acknowledged: true });
      expect(await reverse(release, 1)).toMatchObject({ responseCode: '00', acknowledged: true }); // 0401: answered as the first
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE);
      expect(sim.summary()).toMatchObject({ preauths: 1, holds: 0, releases: 1, reversalsAnswered: 2 });
      expect(sim.ledger.filter((e) => e.mti.startsWith('04')).map((e) => e.mti)).toEqual(['0400', '0401']);
      expect(await client.followUp(followUp('completion', original, 5000))).toMatchObject({ responseCode: '12', approved: false });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE);
      expect(sim.summary()).toMatchObject({ captures: 0 });
    });

    it('a repeat (0221) gets the first answer again and captures nothing more; a second completion of the hold is declined 12', async () => {
      const { original } = await approvedHold(10_000);
      const completion = followUp('completion', original, 6000);
      const first = await client.followUp(completion);
      const repeat = await client.followUp({ ...completion, repeat: true });
      expect(repeat).toEqual(first);
      expect(sim.ledger.slice(1).map((e) => e.mti)).toEqual(['0220', '0221']);
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 6000);
      expect(sim.summary()).toMatchObject({ captures: 1, capturedMinor: 6000 });
      expect((await client.followUp(followUp('completion', original, 1000))).responseCode).toBe('12');
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 6000);
    });

    it.each<[string, (o: OriginalTransaction) => OriginalTransaction]>([
      ['a STAN it never saw', (o) => ({ ...o, stan: '999999' })],
      ['another DE 7', (o) => ({ ...o, transmittedAt: '2026-06-15T14:31:00.000Z' })],
      ['another auth code', (o) => ({ ...o, authCode: 'Z99999' })],
    ])('a completion naming %s is declined 25 and moves nothing', async (_what, change) => {
      const { original } = await approvedHold(10_000);
      expect(await client.followUp(followUp('completion', change(original), 5000))).toMatchObject({ responseCode: '25', approved: false });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
      expect(sim.summary()).toMatchObject({ holds: 1, captures: 0 });
    });

    it('a void of a completion (0400 naming the 0220) gives the capture back once, and the hold comes back to be completed or released', async () => {
      const { original } = await approvedHold(10_000);
      const completion = followUp('completion', original, 7000);
      await client.followUp(completion);
      const voided = duty('completion', completion, 'TXN_VOIDED');
      expect((await reverse(voided)).acknowledged).toBe(true);
      expect((await reverse(voided, 1)).acknowledged).toBe(true);
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
      expect(sim.summary()).toMatchObject({ holds: 1, heldMinor: 10_000, captures: 0, voids: 1 });
      // Completed again, once: the second capture stands.
      expect((await client.followUp(followUp('completion', original, 6500))).responseCode).toBe('00');
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 6500);
      expect(sim.summary()).toMatchObject({ holds: 0, captures: 1, capturedMinor: 6500 });
    });

    it('a pre-authorization beyond the available balance is declined 51 and holds nothing', async () => {
      const sent = { ...request('preauth', 600), card: cardOf('mc-low-funds') };
      expect((await client.authorize(sent)).responseCode).toBe('51');
      expect(sim.balanceOf('mc-low-funds')).toBe(500);
      expect(sim.summary()).toMatchObject({ preauths: 0, holds: 0 });
    });
  });

  describe('completion as a 0200 (completionMessage: request)', () => {
    beforeEach(() => start('request'));

    it('goes as 0200, captures, and its void names the 0200', async () => {
      const { original } = await approvedHold(10_000);
      const completion = followUp('completion', original, 9000);
      expect((await client.followUp(completion)).responseCode).toBe('00');
      expect(sim.ledger.at(-1)).toMatchObject({ mti: '0200', kind: 'completion', capturedMinor: 9000 });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 9000);
      const voided = duty('completion', completion, 'TXN_VOIDED');
      // named as an advice it is not found (25: nothing to undo there) …
      expect(await reverse(voided, 0, 'advice')).toMatchObject({ responseCode: '25' });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 9000);
      // … named as the 0200 it was, it is undone
      expect(await reverse(voided, 0, 'request')).toMatchObject({ responseCode: '00' });
      // The capture is given back and the pre-authorization holds again.
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
    });

    it('a 0200 completion sent twice is a duplicate (94) and captures once', async () => {
      const { original } = await approvedHold(10_000);
      const completion = followUp('completion', original, 4000);
      expect((await client.followUp(completion)).responseCode).toBe('00');
      expect((await client.followUp(completion)).responseCode).toBe('94');
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 4000);
    });
  });

  describe('refund, void, cashback and tip adjustment', () => {
    beforeEach(() => start());

    it('a refund (DE 3 20) credits; its void (0400 naming the 0200) debits it back once', async () => {
      const sent = request('refund', 2500);
      expect((await client.authorize(sent)).responseCode).toBe('00');
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE + 2500);
      const voided = duty('refund', sent, 'TXN_VOIDED');
      await reverse(voided);
      await reverse(voided, 1);
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE);
      expect(sim.summary()).toMatchObject({ refunds: 0, voids: 1 });
    });

    it('a purchase with cashback and a tip debits the whole amount; the simulator reads DE 54', async () => {
      const sent = request('purchase', 6500, { cashbackMinor: 2000, tipMinor: 500 });
      expect((await client.authorize(sent)).responseCode).toBe('00');
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 6500);
      expect(sim.ledger.at(-1)).toMatchObject({ kind: 'purchase', amountMinor: 6500, cashbackMinor: 2000, tipMinor: 500, capturedMinor: 6500 });
    });

    it('a tip adjustment sets the charge to the new whole amount; its reversal puts the old one back; a void then undoes all', async () => {
      const sent = request('purchase', 4200, { tipMinor: 200 });
      const answer = await client.authorize(sent);
      const original = originalOf(sent, answer);
      // goods 4000 + new tip 650 = 4650
      const adjust = followUp('tip-adjust', original, 4650, { tipMinor: 650 });
      expect(await client.followUp(adjust)).toMatchObject({ responseCode: '00', authCode: original.authCode });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 4650);
      expect(sim.ledger.find((e) => e.stan === sent.stan && e.mti === '0200')).toMatchObject({ capturedMinor: 4650, tipMinor: 200 });
      expect(sim.summary()).toMatchObject({ purchases: 1, purchasedMinor: 4650, tipAdjusts: 1 });

      await reverse(duty('tip-adjust', adjust, 'HOST_TIMEOUT'));
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 4200);
      expect(sim.summary()).toMatchObject({ purchasedMinor: 4200, tipAdjusts: 0 });

      await reverse(duty('purchase', sent, 'TXN_VOIDED'));
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE);
      expect(sim.summary()).toMatchObject({ purchases: 0, voids: 1 });
    });

    it.each<[string, number, number, string]>([
      ['a DE 4 that is not goods plus the new tip', 4700, 650, '13'],
      ['a tip over the available balance', 4000 + 200_000, 200_000, '51'],
    ])('declines %s (%s) and moves nothing', async (_what, amountMinor, tipMinor, code) => {
      const sent = request('purchase', 4200, { tipMinor: 200 });
      const original = originalOf(sent, await client.authorize(sent));
      expect((await client.followUp(followUp('tip-adjust', original, amountMinor, { tipMinor }))).responseCode).toBe(code);
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 4200);
    });

    it('a tip adjustment of a voided purchase is declined 12; of a pre-authorization 25', async () => {
      const sent = request('purchase', 3000);
      const original = originalOf(sent, await client.authorize(sent));
      await reverse(duty('purchase', sent, 'TXN_VOIDED'));
      expect((await client.followUp(followUp('tip-adjust', original, 3300, { tipMinor: 300 }))).responseCode).toBe('12');
      const { original: hold } = await approvedHold(1000);
      // the terminal refuses to build one naming a hold; a host that got one would not find a 0200 by that DE 90
      await expect(client.followUp(followUp('tip-adjust', hold, 1100, { tipMinor: 100 }))).rejects.toMatchObject({ code: 'HOST_REQUEST_INVALID', delivery: 'not-sent' });
      expect(sim.balanceOf('visa-ok')).toBe(START_BALANCE - 1000);
    });

    it('reconciliation counts a completion as a debit at what it captured, a tip-adjusted purchase at its new amount, a hold in none', async () => {
      const { original } = await approvedHold(10_000);
      await client.followUp(followUp('completion', original, 7000));
      const sent = request('purchase', 4200, { tipMinor: 200 });
      const sale = originalOf(sent, await client.authorize(sent));
      await client.followUp(followUp('tip-adjust', sale, 4500, { tipMinor: 500 }));
      const answer = await client.reconcile({
        stan: nextStan(),
        at: NOW,
        terminalId: 'T0000001',
        merchantId: MERCHANT,
        currency: '978',
        totals: { ...ZERO_TOTALS, debitsCount: 2, debitsAmountMinor: 11_500 },
      });
      expect(answer.hostTotals).toMatchObject({ debitsCount: 2, debitsAmountMinor: 11_500, creditsCount: 0 });
      expect(answer.inBalance).toBe(true);
    });
  });
});

describe('failures of the new types: the answer lost, the duty reversed once', () => {
  let server: HostSimServer;
  let client: Iso8583HostClient;

  async function start(...rules: string[]): Promise<void> {
    server = await startHostSimServer({ port: 0, clock: () => NOW, requireMac: true, faults: rules.map(parseFaultRule) });
    client = isoClient(server.endpoint('iso8583')?.port ?? 0, { timeoutMs: 300 });
  }

  const reverse = (p: PendingReversal, attempt = 0): Promise<{ responseCode: string; acknowledged: boolean }> =>
    client.reverse(reversalFromPending(p, { merchantId: MERCHANT, at: NOW, attempt: attempt + 1 }));

  afterEach(async () => {
    await closeIsoClients();
    await server.stop();
  });

  it('a completion whose 0230 never comes is HOST_TIMEOUT, maybe sent; its reversal gives the capture back, once, and the hold holds again', async () => {
    await start('no-answer,mti=0220,times=1');
    const sent = request('preauth', 10_000);
    const original = originalOf(sent, await client.authorize(sent));
    const completion = followUp('completion', original, 6000);
    await expect(client.followUp(completion)).rejects.toMatchObject({ code: 'HOST_TIMEOUT', delivery: 'maybe-sent' });
    // the host captured it all the same
    expect(server.issuer.summary()).toMatchObject({ captures: 1, capturedMinor: 6000 });
    const owed = duty('completion', completion, 'HOST_TIMEOUT');
    expect((await reverse(owed)).acknowledged).toBe(true);
    expect((await reverse(owed, 1)).acknowledged).toBe(true);
    expect(server.issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
    expect(server.issuer.summary()).toMatchObject({ captures: 0, voids: 1, holds: 1, heldMinor: 10_000, reversalsAnswered: 2 });
    expect(server.issuer.ledger.filter((e) => e.mti.startsWith('04') && e.originalStan === completion.stan)).toHaveLength(2);
  });

  it('an increment answered with a bad MAC is HOST_BAD_RESPONSE, maybe sent; its reversal takes the increment off the hold, once', async () => {
    await start('delay:1,mti=0100,pan=4111111111111111', 'wrong-mac,mti=0100,times=1');
    const sent = request('preauth', 10_000);
    const original = originalOf(sent, await client.authorize(sent));
    const increment = followUp('incremental', original, 3000);
    await expect(client.followUp(increment)).rejects.toMatchObject({ code: 'HOST_BAD_RESPONSE', delivery: 'maybe-sent' });
    expect(server.issuer.summary()).toMatchObject({ heldMinor: 13_000, increments: 1 });
    const owed = duty('incremental', increment, 'HOST_BAD_RESPONSE');
    expect((await reverse(owed)).acknowledged).toBe(true);
    expect((await reverse(owed, 1)).acknowledged).toBe(true);
    expect(server.issuer.summary()).toMatchObject({ holds: 1, heldMinor: 10_000, increments: 0, reversalsAnswered: 2 });
    expect(server.issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
    const again = followUp('incremental', original, 500);
    expect(await client.followUp(again)).toMatchObject({ responseCode: '00', authCode: original.authCode });
    expect(server.issuer.summary()).toMatchObject({ heldMinor: 10_500, increments: 1 });
  });

  it('a pre-authorization cut mid-answer is maybe sent; its reversal releases the hold', async () => {
    await start('close-mid-message,mti=0100,times=1');
    const sent = request('preauth', 10_000);
    await expect(client.authorize(sent)).rejects.toMatchObject({ delivery: 'maybe-sent' });
    expect(server.issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
    expect((await reverse(duty('preauth', sent, 'HOST_CONNECTION_LOST'))).acknowledged).toBe(true);
    expect(server.issuer.balanceOf('visa-ok')).toBe(START_BALANCE);
    expect(server.issuer.summary()).toMatchObject({ holds: 0, releases: 1 });
  });

  it('a tip adjustment answered with a bad MAC is HOST_BAD_RESPONSE (field 64), maybe sent; its reversal restores the amount', async () => {
    await start('wrong-mac,mti=0220,times=1');
    const sent = request('purchase', 4200, { tipMinor: 200 });
    const original = originalOf(sent, await client.authorize(sent));
    const adjust = followUp('tip-adjust', original, 4500, { tipMinor: 500 });
    await expect(client.followUp(adjust)).rejects.toMatchObject({ code: 'HOST_BAD_RESPONSE', delivery: 'maybe-sent', details: { field: 64 } });
    expect(server.issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 4500);
    expect((await reverse(duty('tip-adjust', adjust, 'HOST_BAD_RESPONSE'))).acknowledged).toBe(true);
    expect(server.issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 4200);
  });
});

describe('the same through the HTTPS JSON gateway', () => {
  const pkis = throwawayPkis('gw-followups');
  let issuer: IssuerHost;
  let gateway: HttpsGateway;
  let client: JsonGatewayClient;

  beforeEach(async () => {
    issuer = new IssuerHost({ clock: () => NOW });
    gateway = new HttpsGateway({ issuer, tls: { ca: pkis.own.ca, cert: pkis.own.server.cert, key: pkis.own.server.key } });
    await gateway.start();
    client = new JsonGatewayClient({
      url: gateway.address,
      timeoutMs: 5000,
      tls: { ca: pkis.own.ca, cert: pkis.own.client.cert, key: pkis.own.client.key },
      retryBackoff: { initialMs: 1, maxMs: 5, factor: 2, jitter: 0 },
      merchantId: MERCHANT,
      clock: () => NOW,
    });
  });

  afterEach(async () => {
    await client.close();
    await gateway.stop();
  });

  it('holds on a preauth, captures on a completion (POST /v1/follow-ups), and a repeat with the same key is replayed', async () => {
    const sent = request('preauth', 10_000);
    const answer = await client.authorize(sent);
    expect(answer.responseCode).toBe('00');
    expect(issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 10_000);
    const completion = followUp('completion', originalOf(sent, answer), 8000);
    const first = await client.followUp(completion);
    expect(first).toMatchObject({ responseCode: '00', authCode: answer.authCode });
    expect(await client.followUp(completion)).toEqual(first);
    expect(issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 8000);
    expect(issuer.summary()).toMatchObject({ captures: 1, capturedMinor: 8000, holds: 0 });
    expect(issuer.ledger.map((e) => e.mti)).toEqual(['0100', '0220']);
  });

  it('releases a hold by a reversal naming the preauth; a completion after it is declined 12', async () => {
    const sent = request('preauth', 10_000);
    const answer = await client.authorize(sent);
    expect((await client.reverse(duty('preauth', sent, 'TXN_RELEASED'))).acknowledged).toBe(true);
    expect(issuer.balanceOf('visa-ok')).toBe(START_BALANCE);
    expect((await client.followUp(followUp('completion', originalOf(sent, answer), 5000))).responseCode).toBe('12');
    expect(issuer.summary()).toMatchObject({ releases: 1, captures: 0 });
  });

  it('an increment over JSON (POST /v1/follow-ups) raises the hold once, a replay moves nothing', async () => {
    const sent = request('preauth', 10_000);
    const answer = await client.authorize(sent);
    const increment = followUp('incremental', originalOf(sent, answer), 2000);
    const first = await client.followUp(increment);
    expect(first).toMatchObject({ responseCode: '00', authCode: answer.authCode });
    expect(await client.followUp(increment)).toEqual(first);
    expect(issuer.summary()).toMatchObject({ holds: 1, heldMinor: 12_000, increments: 1 });
    expect(issuer.ledger.map((e) => e.mti)).toEqual(['0100', '0100']);
  });

  it('a tip adjustment over JSON sets the purchase charge', async () => {
    const sent = request('purchase', 3000, { tipMinor: 0 });
    const answer = await client.authorize(sent);
    expect((await client.followUp(followUp('tip-adjust', originalOf(sent, answer), 3400, { tipMinor: 400 }))).responseCode).toBe('00');
    expect(issuer.balanceOf('visa-ok')).toBe(START_BALANCE - 3400);
  });
});
