/**
 * Terminal action analysis against EMV 4.4 Book 3 §10.7: denial, online and
 * default action codes, with the card's IACs present and absent, and the
 * "unable to go online" default decision (Y3/Z3).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalActionAnalysis, terminalOperation, unableToGoOnlineDecision, type CryptogramType } from '../../../src/emv/kernel/action-analysis.js';
import type { TerminalActionCodes } from '../../../src/emv/kernel/config.js';
import { TRANSACTION_TYPE, type KernelContext, type TransactionRequest } from '../../../src/emv/kernel/context.js';
import { TVR_BITS, type TvrBit } from '../../../src/emv/kernel/tvr.js';
import { isPosError, PosError } from '../../../src/util/errors.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { hex } from '../helpers.js';
import { testAid, testContext, testRequest, VISA_AID } from './fixtures.js';

const ZEROS = '0000000000';
const ONES = 'FFFFFFFFFF';

interface Setup {
  /** TAC default/denial/online as hex. */
  readonly tac?: { readonly default?: string; readonly denial?: string; readonly online?: string };
  /** IAC (9F0D default, 9F0E denial, 9F0F online) as hex; absent when undefined. */
  readonly iac?: { readonly default?: string; readonly denial?: string; readonly online?: string };
  readonly tvr?: readonly TvrBit[];
}

function setup(options: Setup = {}): KernelContext {
  const tac: TerminalActionCodes = {
    default: hex(options.tac?.default ?? ZEROS),
    denial: hex(options.tac?.denial ?? ZEROS),
    online: hex(options.tac?.online ?? ZEROS),
  };
  const ctx = testContext(new ScriptedCard([]).transmit, { aid: testAid(VISA_AID, { tac }) });
  const iac = options.iac ?? {};
  if (iac.default !== undefined) ctx.data.set('9F0D', hex(iac.default), 'card');
  if (iac.denial !== undefined) ctx.data.set('9F0E', hex(iac.denial), 'card');
  if (iac.online !== undefined) ctx.data.set('9F0F', hex(iac.online), 'card');
  for (const bit of options.tvr ?? []) ctx.tvr.set(bit);
  return ctx;
}

/** Terminal Types (9F35, Book 4 Annex A1), attended merchant: online only, offline with online capability, offline only. */
const ONLINE_ONLY = 21;
const ONLINE_CAPABLE = 22;
const OFFLINE_ONLY = 23;

/** Terminal action analysis at a terminal of this type (the context's data and TVR as they are). */
function decide(ctx: KernelContext, terminalType: number): CryptogramType {
  return terminalActionAnalysis({ ...ctx, config: { ...ctx.config, terminal: { ...ctx.config.terminal, terminalType } } });
}

/** The five bytes with only this TVR bit set. */
function onlyBit(bit: TvrBit): string {
  const [byte, position] = TVR_BITS[bit];
  const bytes = Buffer.alloc(5);
  bytes[byte - 1] = 1 << (position - 1);
  return bytes.toString('hex');
}

/** The five bytes with every bit set except this TVR bit. */
function allBut(bit: TvrBit): string {
  const bytes = Buffer.from(onlyBit(bit), 'hex').map((b) => ~b & 0xff);
  return Buffer.from(bytes).toString('hex');
}

const ALL_TVR_BITS = Object.keys(TVR_BITS) as TvrBit[];
const ISSUER_CODES_ZERO = { default: ZEROS, denial: ZEROS, online: ZEROS };

describe('denial (Book 3 §10.7)', () => {
  it.each(ALL_TVR_BITS)('TVR "%s" in TAC-denial → AAC, at an online-capable and an offline-only terminal', (bit) => {
    const ctx = setup({ tvr: [bit], tac: { denial: onlyBit(bit) }, iac: ISSUER_CODES_ZERO });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('AAC');
    expect(decide(ctx, OFFLINE_ONLY)).toBe('AAC');
  });

  it.each(ALL_TVR_BITS)('TVR "%s" in IAC-denial (9F0E) alone → AAC', (bit) => {
    const ctx = setup({ tvr: [bit], iac: { ...ISSUER_CODES_ZERO, denial: onlyBit(bit) } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('AAC');
  });

  it.each(ALL_TVR_BITS)('TVR "%s" in neither denial code (both have every other bit) → not AAC', (bit) => {
    const ctx = setup({ tvr: [bit], tac: { denial: allBut(bit) }, iac: { ...ISSUER_CODES_ZERO, denial: allBut(bit) } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('TC');
    expect(decide(ctx, OFFLINE_ONLY)).toBe('TC');
  });

  it('IAC-denial absent counts as all zeros: a TVR bit only the issuer could name does not decline', () => {
    const ctx = setup({ tvr: ['expiredApplication'], iac: { default: ZEROS, online: ZEROS } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('TC');
  });

  it('denial is checked before online: a TVR matching both declines', () => {
    const ctx = setup({ tvr: ['serviceNotAllowed', 'exceedsFloorLimit'], tac: { denial: '0010000000', online: ONES }, iac: ISSUER_CODES_ZERO });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('AAC');
  });
});

describe('online (Book 3 §10.7), online-capable terminal', () => {
  it('TVR "Transaction exceeds floor limit" in TAC-online (byte 4 b8) → ARQC', () => {
    const ctx = setup({ tvr: ['exceedsFloorLimit'], tac: { online: '0000008000' }, iac: ISSUER_CODES_ZERO });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('ARQC');
  });

  it('TVR bit in IAC-online (9F0F) alone → ARQC', () => {
    const ctx = setup({ tvr: ['newCard'], iac: { ...ISSUER_CODES_ZERO, online: '0008000000' } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('ARQC');
  });

  it('IAC-online absent counts as all ones: any TVR bit → ARQC', () => {
    const ctx = setup({ tvr: ['sdaSelected'], iac: { default: ZEROS, denial: ZEROS } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('ARQC');
  });

  it('IAC-online absent and a TVR of all zeros → TC', () => {
    const ctx = setup({ iac: { default: ZEROS, denial: ZEROS } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('TC');
  });

  it('no online match → TC, and the default codes are not consulted', () => {
    const ctx = setup({ tvr: ['odaNotPerformed'], tac: { default: ONES }, iac: { ...ISSUER_CODES_ZERO, default: ONES } });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('TC');
  });

  it('the fixture\'s Visa-style TACs with ODA not performed: DC 40 00 A8 00 / 00 10 00 00 00 / DC 40 04 F8 00 → ARQC', () => {
    const ctx = testContext(new ScriptedCard([]).transmit);
    ctx.tvr.set('odaNotPerformed');
    expect(ctx.tvr.bytes().toString('hex').toUpperCase()).toBe('8000000000');
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('ARQC');
    expect(decide(ctx, OFFLINE_ONLY)).toBe('AAC');
  });
});

describe('online-only terminal (Book 3 §10.7, Terminal Type x1 or x4)', () => {
  it.each([
    ['11 financial institution, attended', 11],
    ['14 financial institution, unattended', 14],
    ['21 merchant, attended', 21],
    ['24 merchant, unattended', 24],
  ])('%s is online only', (_name, type) => {
    expect(terminalOperation(type)).toBe('online-only');
  });

  it.each([
    [12, 'offline-with-online'],
    [15, 'offline-with-online'],
    [22, 'offline-with-online'],
    [25, 'offline-with-online'],
    [13, 'offline-only'],
    [16, 'offline-only'],
    [23, 'offline-only'],
    [26, 'offline-only'],
  ] as const)('%i is %s', (type, operation) => {
    expect(terminalOperation(type)).toBe(operation);
  });

  it('asks for an ARQC with a TVR of all zeros, where an online-capable terminal would ask for a TC', () => {
    const ctx = setup({ iac: ISSUER_CODES_ZERO });
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('TC');
    expect(decide(ctx, ONLINE_ONLY)).toBe('ARQC');
    expect(decide(ctx, 24)).toBe('ARQC');
  });

  it('asks for an ARQC when no online code matches the TVR, and the default codes do not matter', () => {
    const ctx = setup({ tvr: ['odaNotPerformed'], tac: { default: ONES }, iac: { ...ISSUER_CODES_ZERO, default: ONES } });
    expect(decide(ctx, ONLINE_ONLY)).toBe('ARQC');
  });

  it.each(ALL_TVR_BITS)('TVR "%s" in TAC-denial → AAC', (bit) => {
    const ctx = setup({ tvr: [bit], tac: { denial: onlyBit(bit) }, iac: ISSUER_CODES_ZERO });
    expect(decide(ctx, ONLINE_ONLY)).toBe('AAC');
  });

  it('TVR bit in IAC-denial (9F0E) → AAC', () => {
    const ctx = setup({ tvr: ['expiredApplication'], iac: { ...ISSUER_CODES_ZERO, denial: onlyBit('expiredApplication') } });
    expect(decide(ctx, 14)).toBe('AAC');
  });
});

describe('default (Book 3 §10.7), offline-only terminal', () => {
  it('TVR bit in TAC-default → AAC', () => {
    const ctx = setup({ tvr: ['lowerConsecutiveOfflineLimitExceeded'], tac: { default: '0000004000' }, iac: ISSUER_CODES_ZERO });
    expect(decide(ctx, OFFLINE_ONLY)).toBe('AAC');
  });

  it('TVR bit in IAC-default (9F0D) alone → AAC', () => {
    const ctx = setup({ tvr: ['cardholderVerificationFailed'], iac: { ...ISSUER_CODES_ZERO, default: '0000800000' } });
    expect(decide(ctx, OFFLINE_ONLY)).toBe('AAC');
  });

  it('IAC-default absent counts as all ones: any TVR bit → AAC', () => {
    const ctx = setup({ tvr: ['defaultTdolUsed'], iac: { denial: ZEROS, online: ZEROS } });
    expect(decide(ctx, OFFLINE_ONLY)).toBe('AAC');
  });

  it('no default match → TC, and the online codes are not consulted', () => {
    const ctx = setup({ tvr: ['exceedsFloorLimit'], tac: { online: ONES }, iac: { ...ISSUER_CODES_ZERO, online: ONES } });
    expect(decide(ctx, OFFLINE_ONLY)).toBe('TC');
  });

  it('no IACs at all and a TVR of all zeros → TC', () => {
    expect(decide(setup(), OFFLINE_ONLY)).toBe('TC');
  });
});

describe('unable to go online (Book 3 §10.7): the default codes decide', () => {
  it.each([
    ['TVR bit in TAC-default → decline (AAC, Z3)', { tvr: ['exceedsFloorLimit'], tac: { default: '0000008000' }, iac: ISSUER_CODES_ZERO }, 'decline'],
    ['TVR bit in IAC-default → decline', { tvr: ['newCard'], iac: { ...ISSUER_CODES_ZERO, default: '0008000000' } }, 'decline'],
    ['TVR bits in neither default code → approve (TC, Y3)', { tvr: ['exceedsFloorLimit'], tac: { default: allBut('exceedsFloorLimit') }, iac: { ...ISSUER_CODES_ZERO, default: allBut('exceedsFloorLimit') } }, 'approve'],
    ['IAC-default absent, a TVR bit set → decline', { tvr: ['selectedRandomlyForOnline'], iac: { denial: ZEROS, online: ZEROS } }, 'decline'],
    ['IAC-default absent, TVR all zeros → approve', { iac: { denial: ZEROS, online: ZEROS } }, 'approve'],
    ['online codes matching do not matter', { tvr: ['exceedsFloorLimit'], tac: { online: ONES }, iac: { ...ISSUER_CODES_ZERO, online: ONES } }, 'approve'],
  ] as const)('%s', (_name, options, decision) => {
    expect(unableToGoOnlineDecision(setup(options as Setup))).toBe(decision);
  });
});

describe('a malformed Issuer Action Code ends the transaction', () => {
  it.each([
    ['IAC-denial (9F0E) of 4 bytes', { denial: '00000000' }, '9F0E', 4],
    ['IAC-online (9F0F) of 6 bytes', { denial: ZEROS, online: '000000000000' }, '9F0F', 6],
    ['IAC-default (9F0D) empty', { denial: ZEROS, online: ZEROS, default: '' }, '9F0D', 0],
  ] as const)('%s: EMV_CARD_DATA_INVALID naming the tag', (_name, iac, tag, length) => {
    const ctx = setup({ tvr: ['exceedsFloorLimit'], iac });
    let caught: unknown;
    try {
      decide(ctx, tag !== '9F0D' ? ONLINE_CAPABLE : OFFLINE_ONLY);
      unableToGoOnlineDecision(ctx);
    } catch (error) {
      caught = error;
    }
    expect(isPosError(caught, 'EMV_CARD_DATA_INVALID')).toBe(true);
    expect((caught as PosError).details).toEqual({ step: 'terminal action analysis', tag, length });
  });
});

describe('any TVR and action codes (fast-check)', () => {
  const code = fc.uint8Array({ minLength: 5, maxLength: 5 }).map((b) => Buffer.from(b).toString('hex'));
  const issuerCode = fc.oneof(
    { weight: 4, arbitrary: code },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 7 }).map((b) => Buffer.from(b).toString('hex')) },
  );
  const tvrBits = fc.subarray(ALL_TVR_BITS);

  /** The book's test, written again on its own: (TVR & (TAC | IAC)) ≠ 0, the IAC's absent value given. */
  function bookMatch(tvr: Buffer, tac: string, iac: string | undefined, absent: string): boolean {
    const i = hex(iac ?? absent);
    const t = hex(tac);
    return [...tvr].some((b, n) => (b & ((t[n] ?? 0) | (i[n] ?? 0))) !== 0);
  }

  it('the decision is the book\'s, never a TC when a denial code matches or at an online-only terminal, and a malformed IAC is a typed error', () => {
    fc.assert(
      fc.property(tvrBits, code, code, code, issuerCode, issuerCode, issuerCode, fc.constantFrom(11, 12, 13, 14, 15, 16, 21, 22, 23, 24, 25, 26), (bits, tacDefault, tacDenial, tacOnline, iacDefault, iacDenial, iacOnline, terminalType) => {
        const ctx = setup({
          tvr: bits,
          tac: { default: tacDefault, denial: tacDenial, online: tacOnline },
          iac: {
            ...(iacDefault === undefined ? {} : { default: iacDefault }),
            ...(iacDenial === undefined ? {} : { denial: iacDenial }),
            ...(iacOnline === undefined ? {} : { online: iacOnline }),
          },
        });
        const malformed = [iacDefault, iacDenial, iacOnline].some((v) => v !== undefined && v.length !== 10);
        const tvr = ctx.tvr.bytes();
        let decision: string;
        let fallback: string;
        try {
          decision = decide(ctx, terminalType);
          fallback = unableToGoOnlineDecision(ctx);
        } catch (error) {
          expect(error).toBeInstanceOf(PosError);
          expect((error as PosError).code).toBe('EMV_CARD_DATA_INVALID');
          expect(malformed).toBe(true);
          return;
        }
        const denial = bookMatch(tvr, tacDenial, iacDenial, ZEROS);
        const online = bookMatch(tvr, tacOnline, iacOnline, ONES);
        const byDefault = bookMatch(tvr, tacDefault, iacDefault, ONES);
        const onlineOnly = terminalType % 10 === 1 || terminalType % 10 === 4;
        const offlineOnly = terminalType % 10 === 3 || terminalType % 10 === 6;
        if (denial) expect(decision).toBe('AAC');
        else if (onlineOnly) expect(decision).toBe('ARQC');
        else if (!offlineOnly) expect(decision).toBe(online ? 'ARQC' : 'TC');
        else expect(decision).toBe(byDefault ? 'AAC' : 'TC');
        if (onlineOnly) expect(decision).not.toBe('TC');
        expect(fallback).toBe(byDefault ? 'decline' : 'approve');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('what the request decides before the action codes', () => {
  const requestOf = (overrides: Partial<TransactionRequest>) =>
    testContext(new ScriptedCard([]).transmit, { request: testRequest(overrides), aid: testAid(VISA_AID, { tac: { default: hex(ZEROS), denial: hex(ZEROS), online: hex(ZEROS) } }) });

  it('asks a refund (9C 20) for an AAC at every terminal type, even where nothing matches', () => {
    for (const type of [ONLINE_ONLY, ONLINE_CAPABLE, OFFLINE_ONLY]) {
      const ctx = requestOf({ transactionType: TRANSACTION_TYPE.refund });
      ctx.data.set('9F0D', hex(ZEROS), 'card');
      ctx.data.set('9F0F', hex(ZEROS), 'card');
      expect(decide(ctx, type)).toBe('AAC');
    }
  });

  it('sets "merchant forced transaction online" (TVR byte 4 bit 4) and asks for an ARQC where the codes would approve offline', () => {
    const forced = requestOf({ forcedOnline: true });
    forced.data.set('9F0D', hex(ZEROS), 'card');
    forced.data.set('9F0F', hex(ZEROS), 'card');
    expect(decide(forced, ONLINE_CAPABLE)).toBe('ARQC');
    expect(forced.tvr.bytes()[3]! & 0x08).toBe(0x08);
    const plain = requestOf({});
    plain.data.set('9F0D', hex(ZEROS), 'card');
    plain.data.set('9F0F', hex(ZEROS), 'card');
    expect(decide(plain, ONLINE_CAPABLE)).toBe('TC');
    expect(plain.tvr.bytes()[3]! & 0x08).toBe(0);
  });

  it('still declines a forced-online transaction that a denial code matches', () => {
    const ctx = requestOf({ forcedOnline: true });
    ctx.data.set('9F0E', hex(onlyBit('merchantForcedOnline')), 'card');
    expect(decide(ctx, ONLINE_CAPABLE)).toBe('AAC');
  });
});
