/**
 * Each transaction type's failure paths end to end over real TCP: its
 * request reaches the simulator, which books it, and the answer is lost (no
 * answer, the connection cut mid-answer, or an answer after the terminal
 * gave up). The register is told the request failed; the terminal reverses
 * it; the simulator then holds exactly one reversal of it, and the money
 * stands as if the request had never been made.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerSummary } from '../../hw-mocks/host/ledger.js';
import type { TransactionResult } from '../../src/txn/result.js';
import { call, CARD_ONE_PAN, closeRigs, LOW_FUNDS_PAN, rig, standing, swiped, type Rig } from './host-rig.js';

afterEach(closeRigs);

/** How each fault loses the answer, and what the terminal makes of it (its timeout is 800 ms). */
const FAULTS = [
  { fault: 'no-answer', errorCode: 'HOST_TIMEOUT' },
  { fault: 'close-mid-message', errorCode: 'HOST_CONNECTION_LOST' },
  { fault: 'late-answer:1200', errorCode: 'HOST_TIMEOUT' },
] as const;

interface Failing {
  /** The fault rules that lose this type's answer (and no other's). */
  readonly rules: (fault: string) => string[];
  /** What the register is answered, as the result it was told or the follow-up's refusal. */
  readonly run: (r: Rig) => Promise<{ readonly failed: TransactionResult | { readonly error: { readonly code: string; readonly details: { readonly errorCode: string } } }; readonly stan: () => string | null }>;
  /** The simulator once the reversal is in. */
  readonly standsAt: Partial<LedgerSummary>;
  /** The requests of the lost one's MTI the simulator sees in all: the ones before it, and it once. */
  readonly requests: number;
}

/** The STAN of the one request with `mti` the simulator saw last. */
const lastStan = (r: Rig, mti: string) => (): string | null => r.host.issuer.ledger.filter((e) => e.mti === mti).at(-1)?.stan ?? null;

const TYPES: Record<string, Failing> = {
  'a purchase': {
    rules: (fault) => [`${fault},mti=0200,pan=${CARD_ONE_PAN},times=1`],
    run: async (r) => ({ failed: await swiped(r.terminal, { type: 'purchase', amount: 2100 }), stan: lastStan(r, '0200') }),
    standsAt: { purchases: 0, purchasedMinor: 0, voids: 1 },
    requests: 1,
  },
  'a refund': {
    rules: (fault) => [`${fault},mti=0200,pan=${LOW_FUNDS_PAN},times=1`],
    run: async (r) => {
      const sale = await swiped(r.terminal, { type: 'purchase', amount: 3000 });
      return { failed: await swiped(r.terminal, { type: 'refund', amount: 1000, originalId: sale.id }, 'mc-low-funds'), stan: lastStan(r, '0200') };
    },
    standsAt: { purchases: 1, purchasedMinor: 3000, refunds: 0, refundedMinor: 0, voids: 1 },
    requests: 2,
  },
  'a pre-authorization': {
    rules: (fault) => [`${fault},mti=0100,pan=${CARD_ONE_PAN},times=1`],
    run: async (r) => ({ failed: await swiped(r.terminal, { type: 'preauth', amount: 6000 }), stan: lastStan(r, '0100') }),
    standsAt: { preauths: 1, holds: 0, heldMinor: 0, releases: 1 },
    requests: 1,
  },
  'a completion': {
    rules: (fault) => [`${fault},mti=0220,times=1`],
    run: async (r) => {
      const hold = await swiped(r.terminal, { type: 'preauth', amount: 6000 });
      return { failed: (await call(r.terminal, 'POST', `/v1/transactions/${hold.id}/complete`, { amount: 5000 })).json, stan: lastStan(r, '0220') };
    },
    standsAt: { holds: 1, heldMinor: 6000, captures: 0, capturedMinor: 0 },
    requests: 1,
  },
  'a tip adjustment': {
    rules: (fault) => [`${fault},mti=0220,times=1`],
    run: async (r) => {
      const sale = await swiped(r.terminal, { type: 'purchase', amount: 4000, tip: 400 });
      return { failed: (await call(r.terminal, 'POST', `/v1/transactions/${sale.id}/tip`, { tip: 900 })).json, stan: lastStan(r, '0220') };
    },
    standsAt: { purchases: 1, purchasedMinor: 4400, tipAdjusts: 0 },
    requests: 1,
  },
  'an incremental authorization': {
    // The first rule takes the pre-authorization's 0100 (it carries the card): only the increment's answer is lost.
    rules: (fault) => [`delay:1,mti=0100,pan=${CARD_ONE_PAN}`, `${fault},mti=0100,times=1`],
    run: async (r) => {
      const hold = await swiped(r.terminal, { type: 'preauth', amount: 6000 });
      return { failed: (await call(r.terminal, 'POST', `/v1/transactions/${hold.id}/increment`, { amount: 2000 })).json, stan: lastStan(r, '0100') };
    },
    standsAt: { holds: 1, heldMinor: 6000, increments: 0 },
    requests: 2,
  },
};

describe.each(Object.entries(TYPES))('%s whose answer is lost', (_type, failing) => {
  it.each(FAULTS)('by $fault: failed for the register, reversed once, nothing stands', async ({ fault, errorCode }) => {
    const r = await rig(failing.rules(fault));
    const { failed, stan } = await failing.run(r);
    if ('error' in failed) expect(failed.error).toMatchObject({ code: expect.stringMatching(/^TXN_(NOT_INCREMENTED|TIP_NOT_ADJUSTED)$/), details: { errorCode } });
    else expect(failed).toMatchObject({ status: 'failed', errorCode, responseCode: null, authCode: null });
    const lost = stan();
    expect(lost).not.toBeNull();
    const summary = await standing(r.host, { reversalsAnswered: 1, ...failing.standsAt });
    expect(summary).toMatchObject({ reversalsAnswered: 1, ...failing.standsAt });
    const reversals = r.host.issuer.ledger.filter((e) => e.mti.startsWith('04'));
    expect(reversals.map((e) => e.originalStan)).toEqual([lost]);
    // Nothing was sent again in its place, under its STAN or another.
    const mti = r.host.issuer.ledger.find((e) => e.stan === lost && !e.mti.startsWith('04'))?.mti;
    expect(r.host.issuer.ledger.filter((e) => e.mti === mti)).toHaveLength(failing.requests);
  }, 20_000);
});
