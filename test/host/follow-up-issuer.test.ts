/**
 * The simulated issuer's follow-up and DE 54 rules without sockets
 * (`hw-mocks/host/issuer-follow-up.ts`, `issuer-financial.ts`): the codes its
 * header comments promise for malformed requests, and random DE 3, 4, 38,
 * 54 and 90 values answered with a code and never a throw (fuzz); and the
 * JSON profile's bodies for the same requests (`json-gateway/mapping.ts`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { authorizationBody, followUpBody, reversalBody } from '../../src/host/json-gateway/mapping.js';
import { authorizationRequestSchema, followUpRequestSchema, reversalRequestSchema } from '../../src/host/json-gateway/wire.js';
import type { FollowUpRequest, OriginalTransaction } from '../../src/host/model.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { isPosError } from '../../src/util/errors.js';
import { thrown } from '../pos-error.js';
import { cardOf, purchase } from './helpers.js';

const KEYS = loadSimulationKeys();
const NOW = new Date(2026, 5, 15, 12, 0, 0);
const TID = 'T0000001';

function issuerWithHold(): { issuer: IssuerHost; authCode: string } {
  const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
  const answer = issuer.handleRequest(
    new Iso8583Message('0100', { 2: '4111111111111111', 3: '000000', 4: '000000010000', 7: '0615120000', 11: '000001', 41: TID, 49: '978' }),
    { trusted: true },
  );
  expect(answer?.get(39)).toBe('00');
  return { issuer, authCode: String(answer?.get(38)) };
}

const DE90_HOLD = '0100' + '000001' + '0615120000' + '0'.repeat(22);

function completion(fields: Record<number, string | undefined>): Iso8583Message {
  const all: Record<number, string | undefined> = { 3: '000000', 4: '000000005000', 7: '0615130000', 11: '000002', 41: TID, 49: '978', 90: DE90_HOLD, ...fields };
  return new Iso8583Message('0220', Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<number, string>);
}

describe('the issuer\'s follow-up rules', () => {
  it('captures with the right auth code', () => {
    const { issuer, authCode } = issuerWithHold();
    expect(issuer.handleRequest(completion({ 38: authCode }), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 5000);
  });

  it.each<[string, (authCode: string) => Record<number, string | undefined>, string]>([
    ['no DE 38', () => ({}), '30'],
    ['DE 90 of 41 digits', (a) => ({ 38: a, 90: DE90_HOLD.slice(1) }), '30'],
    ['DE 54 that is not whole blocks', (a) => ({ 38: a, 54: '0044978D00000000050' }), '30'],
    ['a tip adjustment without its tip', (a) => ({ 38: a, 3: '020000' }), '30'],
    ['DE 3 01 (cash)', (a) => ({ 38: a, 3: '010000' }), '12'],
    ['DE 90 naming a 0200 for a completion', (a) => ({ 38: a, 90: '0200' + DE90_HOLD.slice(4) }), '25'],
  ])('answers %s with %s and holds on', (_what, fields, code) => {
    const { issuer, authCode } = issuerWithHold();
    expect(issuer.handleRequest(completion(fields(authCode)), { trusted: true })?.get(39)).toBe(code);
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 10_000);
    expect(issuer.summary()).toMatchObject({ holds: 1, heldMinor: 10_000, captures: 0 });
  });

  it('raises a hold with a 0100 naming it: once, within the balance, never after the completion; a reversal takes the increment back', () => {
    const { issuer, authCode } = issuerWithHold();
    const increment = (stan: string, amount: string): Iso8583Message => new Iso8583Message('0100', { ...completion({ 4: amount, 11: stan, 38: authCode }).fields });
    const raised = issuer.handleRequest(increment('000003', '000000002500'), { trusted: true });
    expect(raised?.mti).toBe('0110');
    expect(raised?.get(39)).toBe('00');
    expect(issuer.summary()).toMatchObject({ holds: 1, heldMinor: 12_500, increments: 1 });
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 12_500);
    expect(issuer.handleRequest(increment('000003', '000000002500'), { trusted: true })?.get(39)).toBe('94');
    expect(issuer.handleRequest(increment('000004', '000000087501'), { trusted: true })?.get(39)).toBe('51');
    expect(issuer.handleRequest(increment('000005', '000000000000'), { trusted: true })?.get(39)).toBe('13');
    expect(issuer.summary()).toMatchObject({ heldMinor: 12_500, increments: 1 });
    // The increment's own reversal: DE 90 names the 0100 with the increment's STAN.
    const reversal = (originalMti: string, stan: string): Iso8583Message =>
      new Iso8583Message('0400', { 3: '000000', 4: '000000002500', 7: '0615140000', 11: stan, 41: TID, 49: '978', 90: originalMti + stan + '0615130000' + '0'.repeat(22) });
    expect(issuer.handleRequest(reversal('0100', '000003'), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.summary()).toMatchObject({ heldMinor: 10_000, increments: 0 });
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 10_000);
    expect(issuer.handleRequest(increment('000006', '000000001000'), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.handleRequest(completion({ 4: '000000011000', 11: '000007', 38: authCode }), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.summary()).toMatchObject({ holds: 0, captures: 1, capturedMinor: 11_000 });
    expect(issuer.handleRequest(increment('000008', '000000000100'), { trusted: true })?.get(39)).toBe('12');
    // The completion reversed: the hold comes back as raised, the increment standing.
    expect(issuer.handleRequest(reversal('0220', '000007'), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.summary()).toMatchObject({ holds: 1, heldMinor: 11_000, captures: 0 });
  });

  it('takes back, after a completion, nothing for a reversed increment, and the completion\'s reversal restores the hold without it', () => {
    const { issuer, authCode } = issuerWithHold();
    const increment = new Iso8583Message('0100', { ...completion({ 4: '000000005000', 11: '000003', 38: authCode }).fields });
    expect(issuer.handleRequest(increment, { trusted: true })?.get(39)).toBe('00');
    expect(issuer.handleRequest(completion({ 4: '000000015000', 11: '000004', 38: authCode }), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 15_000);
    const reversal = (originalMti: string, stan: string): Iso8583Message =>
      new Iso8583Message('0400', { 3: '000000', 4: '000000005000', 7: '0615140000', 11: stan, 41: TID, 49: '978', 90: originalMti + stan + '0615130000' + '0'.repeat(22) });
    // The increment was captured with the rest: its reversal moves nothing now.
    expect(issuer.handleRequest(reversal('0100', '000003'), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 15_000);
    // The completion reversed: the capture comes back and the hold is the pre-authorization's alone.
    expect(issuer.handleRequest(reversal('0220', '000004'), { trusted: true })?.get(39)).toBe('00');
    expect(issuer.summary()).toMatchObject({ holds: 1, heldMinor: 10_000, captures: 0, increments: 0 });
    expect(issuer.balanceOf('visa-ok')).toBe(100_000 - 10_000);
  });

  it('checks a purchase\'s DE 54 against DE 3: 09 needs a cashback, a cashback needs 09, parts within DE 4', () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const sale = (stan: string, de3: string, de54: string): string | undefined => {
      const answer = issuer.handleRequest(
        new Iso8583Message('0200', { 2: '4111111111111111', 3: de3, 4: '000000003000', 7: '0615120000', 11: stan, 41: TID, 49: '978', 54: de54 }),
        { trusted: true },
      );
      return answer?.get(39) as string | undefined;
    };
    expect(sale('000010', '000000', '0040978D000000001000')).toBe('30');
    expect(sale('000011', '090000', '0044978D000000000100')).toBe('30');
    expect(sale('000012', '090000', '0040978D000000002000' + '0044978D000000001001')).toBe('13');
    expect(sale('000013', '090000', '0040978D000000002000' + '0044978D000000001000')).toBe('00');
    expect(issuer.ledger.at(-1)).toMatchObject({ cashbackMinor: 2000, tipMinor: 1000, capturedMinor: 3000 });
  });

  it('answers any DE 3, 4, 38, 54 and 90 with a response code, and moves money only on 00 (fuzz)', () => {
    const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
    const field = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
    fc.assert(
      fc.property(
        field(fc.oneof(fc.constantFrom('000000', '020000', '090000', '200000'), digits(6))),
        field(fc.oneof(digits(12), fc.string({ maxLength: 12 }))),
        field(fc.oneof(fc.constant('A00001'), fc.string({ minLength: 6, maxLength: 6 }))),
        field(fc.oneof(fc.string({ maxLength: 120 }), fc.stringMatching(/^(\d{4}978[CD]\d{12}){1,3}$/))),
        field(fc.oneof(fc.constant(DE90_HOLD), digits(42), fc.string({ maxLength: 42 }))),
        fc.constantFrom('0100', '0200', '0220', '0221'),
        (de3, de4, de38, de54, de90, mti) => {
          const { issuer } = issuerWithHold();
          const fields = { 3: de3, 4: de4, 38: de38, 54: de54, 90: de90 ?? DE90_HOLD };
          const message = completion(fields);
          let answer: Iso8583Message | null = null;
          try {
            answer = issuer.handleRequest(new Iso8583Message(mti, message.fields), { trusted: true });
          } catch (err) {
            // an echoed field the codec cannot hold (DE 4 not n 12) fails the answer's encoding: a PosError, nothing else
            expect(isPosError(err)).toBe(true);
            return;
          }
          const code = String(answer?.get(39));
          expect(code).toMatch(/^[0-9A-Z]{2}$/);
          const balance = issuer.balanceOf('visa-ok') ?? 0;
          if (code !== '00') expect(balance).toBe(100_000 - 10_000);
          else if (mti === '0100') expect(balance).toBe(100_000 - 10_000 - Number(de4));
          else expect(balance).toBeGreaterThanOrEqual(100_000 - 10_000);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the JSON bodies of the new types', () => {
  const hold: OriginalTransaction = {
    transactionId: 'txn-1',
    kind: 'preauth',
    stan: '000001',
    transmittedAt: '2026-06-15T12:00:00.000Z',
    amountMinor: 10_000,
    currency: '978',
    authCode: 'A00001',
    rrn: '000000000001',
    entryMode: 'chip',
    maskedPan: '411111******1111',
  };
  const request: FollowUpRequest = { kind: 'completion', stan: '000002', at: NOW, amountMinor: 8000, currency: '978', terminalId: TID, merchantId: 'M00000000000001', original: hold };

  it('an authorization carries kind preauth and the tip and cashback parts, valid against the wire schema', () => {
    const body = authorizationBody({ ...purchase(cardOf('visa-ok'), 6500), cashbackMinor: 2000, tipMinor: 500 });
    expect(body).toMatchObject({ kind: 'purchase', amountMinor: 6500, cashbackMinor: 2000, tipMinor: 500 });
    expect(authorizationRequestSchema.safeParse(body).success).toBe(true);
    expect(authorizationRequestSchema.safeParse(authorizationBody({ ...purchase(cardOf('visa-ok'), 100), kind: 'preauth' })).success).toBe(true);
  });

  it('a completion names its original and carries no card', () => {
    const body = followUpBody(request);
    expect(body).toEqual({
      kind: 'completion',
      stan: '000002',
      transmittedAt: NOW.toISOString(),
      amountMinor: 8000,
      currency: '978',
      terminalId: TID,
      merchantId: 'M00000000000001',
      original: { kind: 'preauth', stan: '000001', transmittedAt: '2026-06-15T12:00:00.000Z', authCode: 'A00001', rrn: '000000000001', entryMode: 'chip' },
    });
    expect(followUpRequestSchema.safeParse(body).success).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/pan|track|pin|de55/i);
  });

  it('an increment names its pre-authorization and carries the amount added, valid against the wire schema', () => {
    const body = followUpBody({ ...request, kind: 'incremental', amountMinor: 2500 });
    expect(body).toMatchObject({ kind: 'incremental', amountMinor: 2500, original: { kind: 'preauth', stan: '000001' } });
    expect(followUpRequestSchema.safeParse(body).success).toBe(true);
    expect(thrown(() => followUpBody({ ...request, kind: 'incremental', original: { ...hold, kind: 'purchase' } })).details).toMatchObject({ reason: 'original-kind' });
  });

  it('refuses a completion naming a purchase, or an original without its auth code (HOST_REQUEST_INVALID)', () => {
    expect(thrown(() => followUpBody({ ...request, original: { ...hold, kind: 'purchase' } })).details).toMatchObject({ reason: 'original-kind' });
    expect(thrown(() => followUpBody({ ...request, original: { ...hold, authCode: null } })).details).toMatchObject({ reason: 'auth-code' });
  });

  it('a release and a void of a completion go as reversals naming their kind', () => {
    for (const original of ['preauth', 'completion', 'tip-adjust', 'incremental'] as const) {
      const body = reversalBody(
        { transactionId: 't', original, stan: '000001', terminalId: TID, transmittedAt: hold.transmittedAt, amountMinor: 1, currency: '978', entryMode: 'chip', reason: 'TXN_RELEASED', maskedPan: '' },
        { merchantId: 'M00000000000001', at: NOW, repeat: false },
      );
      expect(body).toMatchObject({ original: { kind: original }, reason: 'customerCancellation' });
      expect(reversalRequestSchema.safeParse(body).success).toBe(true);
    }
  });
});
