/**
 * Every transaction type end to end over real TCP: the terminal as `pos run`
 * composes it for an `iso8583-tcp` host, driven through the ECR API, against
 * the bank-host simulator in its own listener, MACs checked both ways. The
 * simulator's ledger is the judge: what stands there once the terminal has
 * drained its duties — each request applied once, each lost answer reversed
 * exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TransactionResult } from '../../src/txn/result.js';
import { call, CARD_ONE_PAN, closeRigs, LOW_FUNDS_PAN, rig, standing, swiped } from './host-rig.js';

afterEach(closeRigs);

describe('each type over the real host channel', () => {
  it('a counter’s day: tip and cashback, a tip adjusted, a referenced refund, a void, a completion, a release', async () => {
    const { terminal, host } = await rig();
    const sale = await swiped(terminal, { type: 'purchase', amount: 2000, tip: 200, cashback: 1000 });
    expect(sale).toMatchObject({ status: 'approved', total: 3200 });
    const tipped = await call(terminal, 'POST', `/v1/transactions/${sale.id}/tip`, { tip: 500 });
    expect(tipped).toMatchObject({ status: 200, json: { tip: 500, total: 3500 } });
    const refund = await swiped(terminal, { type: 'refund', amount: 700, originalId: sale.id });
    expect(refund).toMatchObject({ type: 'refund', status: 'approved', originalId: sale.id });
    const voidable = await swiped(terminal, { type: 'purchase', amount: 1250 });
    expect((await call(terminal, 'POST', `/v1/transactions/${voidable.id}/void`)).json).toMatchObject({ status: 'voided' });
    const hold = await swiped(terminal, { type: 'preauth', amount: 9000 });
    const completion = await call(terminal, 'POST', `/v1/transactions/${hold.id}/complete`, { amount: 7600 });
    expect(completion).toMatchObject({ status: 201, json: { type: 'completion', status: 'approved', total: 7600, originalId: hold.id } });
    const released = await swiped(terminal, { type: 'preauth', amount: 4000 });
    expect((await call(terminal, 'POST', `/v1/transactions/${released.id}/release`)).json).toMatchObject({ status: 'voided' });

    expect(await standing(host, { reversalsAnswered: 2 })).toMatchObject({
      purchases: 1,
      purchasedMinor: 3500,
      tipAdjusts: 1,
      refunds: 1,
      refundedMinor: 700,
      voids: 1,
      captures: 1,
      capturedMinor: 7600,
      holds: 0,
      heldMinor: 0,
      releases: 1,
      reversalsAnswered: 2,
    });
    // The terminal's totals agree: debits are the sale at its new tip and the completion.
    const totals = await call(terminal, 'GET', '/v1/totals');
    expect(totals.json['currencies']).toEqual([
      expect.objectContaining({ debits: { count: 2, amountMinor: 11_100 }, credits: { count: 1, amountMinor: 700 }, voids: { count: 1, amountMinor: 1250 }, releases: { count: 1, amountMinor: 4000 } }),
    ]);
  }, 30_000);

  it('a refund whose answer is lost is reversed once, and stands at nothing', async () => {
    const { terminal, host } = await rig([`no-answer,mti=0200,pan=${LOW_FUNDS_PAN},times=1`]);
    const sale = await swiped(terminal, { type: 'purchase', amount: 3000 });
    const refund = await swiped(terminal, { type: 'refund', amount: 1000, originalId: sale.id }, 'mc-low-funds');
    expect(refund).toMatchObject({ type: 'refund', status: 'failed', errorCode: 'HOST_TIMEOUT' });
    expect(await standing(host, { reversalsAnswered: 1 })).toMatchObject({ refunds: 0, refundedMinor: 0, voids: 1, reversalsAnswered: 1, purchases: 1 });
    // Once its reversal is acknowledged the lost refund gave nothing back: the whole sale can be refunded again.
    expect(await swiped(terminal, { type: 'refund', amount: 3000, originalId: sale.id })).toMatchObject({ status: 'approved' });
  }, 30_000);

  it('a completion whose answer is lost is reversed once; once the host has that, the hold is completed again, once', async () => {
    const { terminal, host } = await rig(['no-answer,mti=0220,times=1']);
    const hold = await swiped(terminal, { type: 'preauth', amount: 6000 });
    const lost = await call(terminal, 'POST', `/v1/transactions/${hold.id}/complete`, { amount: 6000 });
    expect(lost.json).toMatchObject({ type: 'completion', status: 'failed', errorCode: 'HOST_TIMEOUT' });
    expect(await standing(host, { reversalsAnswered: 1 })).toMatchObject({ captures: 0, capturedMinor: 0, reversalsAnswered: 1, holds: 1, heldMinor: 6000 });
    // The lost completion's reversal is acknowledged: it captured nothing, and the hold can be completed.
    const again = await call(terminal, 'POST', `/v1/transactions/${hold.id}/complete`, { amount: 5500 });
    expect(again).toMatchObject({ status: 201, json: { status: 'approved', total: 5500 } });
    expect(host.issuer.summary()).toMatchObject({ captures: 1, capturedMinor: 5500, holds: 0, heldMinor: 0 });
    expect((await call(terminal, 'POST', `/v1/transactions/${hold.id}/release`)).json).toMatchObject({ error: { code: 'TXN_NOT_VOIDABLE' } });
  }, 30_000);

  it('a tip adjustment whose answer is lost is reversed once; the sale keeps its first tip at both ends', async () => {
    const { terminal, host } = await rig(['no-answer,mti=0220,times=1']);
    const sale = await swiped(terminal, { type: 'purchase', amount: 4000, tip: 400 });
    const lost = await call(terminal, 'POST', `/v1/transactions/${sale.id}/tip`, { tip: 900 });
    expect(lost).toMatchObject({ status: 409, json: { error: { code: 'TXN_TIP_NOT_ADJUSTED', details: { errorCode: 'HOST_TIMEOUT' } } } });
    expect(await standing(host, { reversalsAnswered: 1 })).toMatchObject({ purchases: 1, purchasedMinor: 4400, tipAdjusts: 0, reversalsAnswered: 1 });
    expect((await call(terminal, 'GET', `/v1/transactions/${sale.id}`)).json).toMatchObject({ tip: 400, total: 4400 });
  }, 30_000);

  it('an increment raises the hold once; a declined one changes nothing; the completion captures up to the new hold', async () => {
    const { terminal, host } = await rig();
    const hold = await swiped(terminal, { type: 'preauth', amount: 6000 });
    const raised = await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 2500, reference: 'room-12-night-2' });
    expect(raised).toMatchObject({ status: 200, json: { id: hold.id, type: 'preauth', status: 'approved', amount: 8500, total: 8500 } });
    expect(host.issuer.summary()).toMatchObject({ preauths: 1, holds: 1, heldMinor: 8500, increments: 1 });
    // The register asks again with the same key (its answer was lost): nothing more goes to the host.
    expect(await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 2500, reference: 'room-12-night-2' })).toMatchObject({ status: 200, json: { total: 8500 } });
    expect(host.issuer.ledger.filter((e) => e.mti === '0100')).toHaveLength(2);
    // Test card 1 holds 1000.00: 85.00 held, 950.00 more is over what it has.
    const refused = await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 95_000 });
    expect(refused).toMatchObject({ status: 409, json: { error: { code: 'TXN_NOT_INCREMENTED', details: { responseCode: '51' } } } });
    expect(host.issuer.summary()).toMatchObject({ holds: 1, heldMinor: 8500, increments: 1 });
    expect((await call(terminal, 'GET', `/v1/transactions/${hold.id}`)).json).toMatchObject({ amount: 8500, total: 8500 });
    expect((await call(terminal, 'POST', `/v1/transactions/${hold.id}/complete`, { amount: 8501 })).json).toMatchObject({ error: { code: 'TXN_AMOUNT_OVER_ORIGINAL' } });
    const completion = await call(terminal, 'POST', `/v1/transactions/${hold.id}/complete`, { amount: 8500 });
    expect(completion).toMatchObject({ status: 201, json: { type: 'completion', status: 'approved', total: 8500 } });
    expect(host.issuer.summary()).toMatchObject({ captures: 1, capturedMinor: 8500, holds: 0, heldMinor: 0 });
    expect((await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 100 })).json).toMatchObject({ error: { code: 'TXN_ORIGINAL_INVALID' } });
    // The list shows the pre-authorization and its completion; the increments are steps of the pre-authorization.
    const listed = (await call(terminal, 'GET', `/v1/transactions?since=${encodeURIComponent(hold.startedAt)}`)).json as unknown as { transactions: TransactionResult[] };
    expect(listed.transactions.map((t) => t.type).sort()).toEqual(['completion', 'preauth']);
  }, 30_000);

  it('an increment whose answer is lost is reversed once; the hold is what it was at both ends; a release frees it all', async () => {
    // The first rule takes the pre-authorization's 0100 (it carries the card), so only the increment's goes unanswered.
    const { terminal, host } = await rig([`delay:1,mti=0100,pan=${CARD_ONE_PAN}`, 'no-answer,mti=0100,times=1']);
    const hold = await swiped(terminal, { type: 'preauth', amount: 6000 });
    const lost = await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 2000, reference: 'raise-lost' });
    expect(lost).toMatchObject({ status: 409, json: { error: { code: 'TXN_NOT_INCREMENTED', details: { errorCode: 'HOST_TIMEOUT' } } } });
    expect(await standing(host, { reversalsAnswered: 1 })).toMatchObject({ holds: 1, heldMinor: 6000, increments: 0, reversalsAnswered: 1 });
    // Its key again: the same refusal, nothing sent (a new key asks anew).
    expect(await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 2000, reference: 'raise-lost' })).toMatchObject({ status: 409, json: { error: { code: 'TXN_NOT_INCREMENTED', details: { errorCode: 'HOST_TIMEOUT' } } } });
    expect(host.issuer.ledger.filter((e) => e.mti === '0100')).toHaveLength(2);
    expect((await call(terminal, 'GET', `/v1/transactions/${hold.id}`)).json).toMatchObject({ amount: 6000, total: 6000 });
    expect((await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 1000 })).json).toMatchObject({ total: 7000 });
    expect((await call(terminal, 'POST', `/v1/transactions/${hold.id}/release`)).json).toMatchObject({ status: 'voided', total: 7000 });
    expect(await standing(host, { releases: 1 })).toMatchObject({ releases: 1, holds: 0, heldMinor: 0, increments: 1 });
  }, 30_000);

  it('an increment is refused before anything is sent where the acquirer takes none', async () => {
    const { terminal, host } = await rig([], { incrementalAuthorization: false });
    const hold = await swiped(terminal, { type: 'preauth', amount: 6000 });
    expect(await call(terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 100 })).toMatchObject({ status: 400, json: { error: { code: 'TXN_TYPE_NOT_ALLOWED' } } });
    expect(host.issuer.ledger.filter((e) => e.mti === '0100')).toHaveLength(1);
  }, 30_000);

  it('a tip keyed on the PIN pad before the card: the host gets it in DE 54, the register the new total; the cancel key ends it unsent', async () => {
    const { terminal, host } = await rig([], { tipEntry: 'pinpad' }, { pinpad: { type: 'virtual' } });
    const started = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 3000, currency: '978' });
    expect(started.json).toMatchObject({ state: 'waiting-for-tip', total: 3000 });
    expect((await call(terminal, 'POST', '/v1/simulator/present', { card: 'visa-ok', entry: 'swipe', tip: '45/450#' })).status).toBe(202);
    const ended = (await call(terminal, 'GET', `/v1/transactions/${started.json.id}?wait=true`)).json;
    expect(ended).toMatchObject({ status: 'approved', amount: 3000, tip: 450, total: 3450 });
    expect(host.issuer.ledger.filter((e) => e.mti === '0200')).toEqual([expect.objectContaining({ amountMinor: 3450, tipMinor: 450, responseCode: '00' })]);

    const refused = await call(terminal, 'POST', '/v1/transactions', { type: 'purchase', amount: 1000, currency: '978' });
    expect((await call(terminal, 'POST', '/v1/simulator/present', { card: 'visa-ok', entry: 'swipe', tip: '*' })).status).toBe(202);
    expect((await call(terminal, 'GET', `/v1/transactions/${refused.json.id}?wait=true`)).json).toMatchObject({ status: 'cancelled', errorCode: 'AMOUNT_ENTRY_CANCELLED', total: 1000 });
    expect(host.issuer.ledger.filter((e) => e.mti === '0200')).toHaveLength(1);
  }, 30_000);

  it('a void whose reversal is not answered at first is sent again until the host has it, applied once', async () => {
    const { terminal, host } = await rig(['no-answer,mti=0400,times=1']);
    const sale = await swiped(terminal, { type: 'purchase', amount: 1800 });
    expect((await call(terminal, 'POST', `/v1/transactions/${sale.id}/void`)).json).toMatchObject({ status: 'voided' });
    expect(await standing(host, { purchases: 0 })).toMatchObject({ purchases: 0, purchasedMinor: 0, voids: 1 });
    // The next sale waits for owed reversals first: the void reached the host before it.
    const next = await swiped(terminal, { type: 'purchase', amount: 100 });
    expect(next.status).toBe('approved');
    expect(host.issuer.summary()).toMatchObject({ purchases: 1, purchasedMinor: 100, voids: 1 });
  }, 30_000);
});
