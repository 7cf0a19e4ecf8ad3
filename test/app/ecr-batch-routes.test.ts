/**
 * The batch through the ECR API (`src/app/ecr-batch-routes.ts`) over real
 * HTTP, with the journal's batches and the host as recording fakes: what
 * `pos batch close` does — owed reversals first, then the 0500, the batch
 * closed only when the host agrees — and what only the ECR refuses: a close
 * while a transaction runs, and one on a host that takes no 0500. The
 * simulated terminal end to end is in `ecr-openapi.test.ts`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ecrBatchRoutes, type EcrBatchDeps } from '../../src/app/ecr-batch-routes.js';
import { EcrServer } from '../../src/app/ecr-server.js';
import { HostError } from '../../src/host/host-error.js';
import { ZERO_TOTALS, type ReconciliationRequest, type ReconciliationResponse } from '../../src/host/messages/reconciliation.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TransactionEngine } from '../../src/txn/engine.js';
import type { BatchTotals, CurrencyTotals } from '../../src/txn/journal/totals.js';
import { PosError } from '../../src/util/errors.js';

const TOKEN = 'b2'.repeat(32);
const EUR = '978';
const NONE = { count: 0, amountMinor: 0 };
const currencyTotals = (currency: string, tallies: Partial<CurrencyTotals>): CurrencyTotals => ({
  currency,
  debits: NONE,
  credits: NONE,
  reversals: NONE,
  creditReversals: NONE,
  voids: NONE,
  releases: NONE,
  offline: NONE,
  netMinor: 0,
  ...tallies,
});
const TOTALS: BatchTotals = {
  batchNo: 7,
  since: '2026-12-03T20:00:00.000Z',
  currencies: [
    currencyTotals(EUR, { debits: { count: 3, amountMinor: 4500 }, credits: { count: 1, amountMinor: 500 }, reversals: { count: 1, amountMinor: 1000 }, voids: { count: 1, amountMinor: 1000 }, netMinor: 4000 }),
    currencyTotals('840', { debits: { count: 1, amountMinor: 100 }, netMinor: 100 }),
  ],
};

interface Fakes {
  /** What happened, in order: `drain`, `0500`, `close`. */
  readonly steps: string[];
  readonly sent: ReconciliationRequest[];
  deps: EcrBatchDeps;
}

function fakes(options: { answer?: (request: ReconciliationRequest) => Promise<ReconciliationResponse>; remaining?: number; running?: boolean; iso8583?: boolean; advices?: boolean } = {}): Fakes {
  const steps: string[] = [];
  const sent: ReconciliationRequest[] = [];
  const agree = (request: ReconciliationRequest): Promise<ReconciliationResponse> => Promise.resolve({ responseCode: '00', inBalance: true, hostTotals: request.totals });
  const answer = options.answer ?? agree;
  const deps: EcrBatchDeps = {
    engine: {
      exclusive: <T>(work: () => Promise<T>): Promise<T> =>
        options.running === true ? Promise.reject(new PosError('TXN_BUSY', 'A transaction is already in progress', { current: 'txn-running' })) : work(),
    },
    advices: options.advices === true ? { drain: () => (steps.push('advices'), Promise.resolve()) } : null,
    journal: {
      batches: {
        totals: () => (steps.push('totals'), TOTALS),
        close: () => (steps.push('close'), { ...TOTALS, closedAt: '2026-12-04T20:00:00.000Z' }),
      },
      stan: { next: () => '000123' },
    },
    host: {
      iso8583:
        options.iso8583 === false
          ? null
          : {
              reconcile: (request) => {
                steps.push('0500');
                sent.push(request);
                return answer(request);
              },
            },
      sender: { drain: () => (steps.push('drain'), Promise.resolve({ acknowledged: 1, remaining: options.remaining ?? 0, stoppedBy: null })) },
    },
    terminal: { id: 'T0000001', merchantId: 'M00000000000001', currency: EUR },
    clock: () => new Date('2026-12-04T20:00:00Z'),
  };
  return { steps, sent, deps };
}

const servers: EcrServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function call(deps: EcrBatchDeps, method: string, path: string) {
  const server = new EcrServer({ engine: {} as TransactionEngine, health: () => ({ status: 'ok' }), logger: silentLogger, token: TOKEN, routes: [ecrBatchRoutes(deps)] });
  servers.push(server);
  const { port } = await server.listen('127.0.0.1', 0);
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; details: Record<string, unknown> } } };
}

describe('GET /v1/totals (an X report)', () => {
  it("answers the open batch's totals and sends nothing, closes nothing", async () => {
    const f = fakes();
    const res = await call(f.deps, 'GET', '/v1/totals');
    expect(res.status).toBe(200);
    expect(res.json).toEqual(TOTALS);
    expect(f.steps).toEqual(['totals']);
  });
});

describe('POST /v1/batch/close', () => {
  it('drains owed reversals, sends the terminal currency in a 0500, and closes the batch when the host agrees', async () => {
    const f = fakes();
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(200);
    expect(f.steps).toEqual(['drain', 'totals', '0500', 'close']);
    expect(f.sent[0]).toMatchObject({ stan: '000123', terminalId: 'T0000001', currency: EUR, totals: { debitsCount: 4, debitsAmountMinor: 5500, debitsReversalCount: 1, creditsCount: 1 } });
    expect(res.json).toMatchObject({ batchNo: 7, inBalance: true, responseCode: '00', pendingReversals: 0, notReconciledCurrencies: ['840'], closedAt: '2026-12-04T20:00:00.000Z' });
  });

  it('sends queued offline advices before the reversals and the 0500: they are in the totals', async () => {
    const f = fakes({ advices: true });
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(200);
    expect(f.steps).toEqual(['advices', 'drain', 'totals', '0500', 'close']);
  });

  it('answers 200 with inBalance false when the host disagrees, and the batch stays open', async () => {
    const f = fakes({ answer: () => Promise.resolve({ responseCode: '95', inBalance: false, hostTotals: ZERO_TOTALS }) });
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ inBalance: false, responseCode: '95', closedAt: null, hostTotals: ZERO_TOTALS });
    expect(f.steps).not.toContain('close');
  });

  it('goes on with reversals still owed after the drain, as pos batch close does, and counts them', async () => {
    const f = fakes({ remaining: 2, answer: () => Promise.resolve({ responseCode: '95', inBalance: false, hostTotals: ZERO_TOTALS }) });
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ pendingReversals: 2, inBalance: false });
  });

  it('refuses 409 TXN_BUSY while a transaction runs: nothing drained, nothing sent', async () => {
    const f = fakes({ running: true });
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: 'TXN_BUSY', details: { current: 'txn-running' } });
    expect(f.steps).toEqual([]);
  });

  it('refuses 409 ECR_BATCH_CLOSE_UNSUPPORTED on a host that takes no 0500 (an HTTPS gateway): nothing drained', async () => {
    const f = fakes({ iso8583: false });
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: 'ECR_BATCH_CLOSE_UNSUPPORTED', details: { fields: ['host.type'] } });
    expect(f.steps).toEqual([]);
    expect((await call(f.deps, 'GET', '/v1/totals')).status).toBe(200);
  });

  it.each([
    ['HOST_TIMEOUT', 'maybe-sent', 504],
    ['HOST_UNREACHABLE', 'not-sent', 502],
    ['HOST_CONNECTION_LOST', 'maybe-sent', 502],
    ['HOST_BAD_RESPONSE', 'maybe-sent', 502],
  ] as const)('%s (%s) from the 0500 is %i, and the batch stays open', async (code, delivery, status) => {
    const f = fakes({ answer: () => Promise.reject(new HostError(code, 'the host failed the 0500', delivery)) });
    const res = await call(f.deps, 'POST', '/v1/batch/close');
    expect(res.status).toBe(status);
    expect(res.json.error?.code).toBe(code);
    expect(f.steps).not.toContain('close');
  });
});
