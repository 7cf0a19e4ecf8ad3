/**
 * Online processing, script processing and completion after an ARQC (EMV 4.4
 * Book 3 §10.9–§10.11), against scripted cards: EXTERNAL AUTHENTICATE when
 * the AIP says so, 91 through CDOL2 otherwise, scripts 71 before and 72 after
 * the second GENERATE AC with the TVR the card sees, and "unable to go online"
 * with Y3/Z3.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completeOnlineTransaction, type HostAnswer } from '../../../src/emv/kernel/completion.js';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import type { CdaVerifier } from '../../../src/emv/kernel/generate-ac.js';
import type { OdaResult } from '../../../src/emv/kernel/oda/index.js';
import { isPosError, PosError } from '../../../src/util/errors.js';
import { ScriptedCard, type ScriptedExchange } from '../../../hw-mocks/chip-card/scripted-card.js';
import { testContext } from './fixtures.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
function tlv(tag: string, value: string): string {
  const length = value.length / 2;
  const byte = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
  return `${tag}${length > 0x7f ? `81${byte(length)}` : byte(length)}${value}`;
}

const NO_ODA: OdaResult = { method: 'none' };
/** AIP byte 1: cardholder verification, terminal risk management, issuer authentication (b3). */
const AIP_WITH_ISSUER_AUTHENTICATION = '1C00';
const AIP_WITHOUT_ISSUER_AUTHENTICATION = '1800';
/** CDOL2: ARC, Issuer Authentication Data, TVR, unpredictable number. */
const CDOL2 = '8A02 910A 9505 9F3704';
/** Issuer Authentication Data: ARPC ‖ ARC (Visa-style, 10 bytes). */
const ARPC_AND_ARC = '0123456789ABCDEF3030';
const APPROVED_ARC = '3030'; // "00"
const DECLINED_ARC = '3035'; // "05"

const EXTERNAL_AUTHENTICATE = `008200000A${ARPC_AND_ARC}`;
function secondAc(p1: string, arc: string, iad: string, tvr = '0000000000'): string {
  return `80AE${p1}0015${arc}${iad}${tvr}1122334400`;
}
function format1(cid: string): string {
  return `8012${cid}0002112233445566778806010A03600000${'9000'}`;
}
const UNBLOCK = '84180000081111111111111111';
const PUT_DATA = '84DA9F140905' + '22'.repeat(8);

function contextWith(card: ScriptedCard, aip: string): KernelContext {
  const ctx = testContext(card.transmit);
  ctx.data.set('82', hex(aip), 'card');
  ctx.data.set('8D', hex(CDOL2), 'card');
  return ctx;
}

function answered(arc: string, approved: boolean, issuerTlv: string): HostAnswer {
  return { kind: 'answered', arc: hex(arc), approved, issuerTlv: hex(issuerTlv) };
}

describe('online processing: issuer authentication (Book 3 §10.9)', () => {
  it('sends 91 in EXTERNAL AUTHENTICATE when the AIP supports it, then asks for a TC', async () => {
    const card = new ScriptedCard([
      { command: EXTERNAL_AUTHENTICATE, response: '9000' },
      { command: secondAc('40', APPROVED_ARC, ARPC_AND_ARC), response: format1('40') },
    ]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC)), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.decision).toBe('approved');
    expect(completion.secondAc?.type).toBe('TC');
    expect(completion.arc.toString('hex')).toBe(APPROVED_ARC);
    expect(completion.scriptResults.length).toBe(0);
    expect(ctx.tsi.names()).toEqual(['issuerAuthenticationPerformed']);
    expect(ctx.tvr.names()).toEqual([]);
    expect(ctx.data.sourceOf('8A')).toBe('issuer');
    expect(ctx.data.sourceOf('91')).toBe('issuer');
    expect(ctx.data.has('9F5B')).toBe(false);
  });

  it.each(['6300', '6985'])('sets "issuer authentication failed" on %s, which the CDOL2 TVR then carries', async (sw) => {
    const card = new ScriptedCard([
      { command: EXTERNAL_AUTHENTICATE, response: sw },
      { command: secondAc('40', APPROVED_ARC, ARPC_AND_ARC, '0000000040'), response: format1('00') },
    ]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC)), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.decision).toBe('declined');
    expect(ctx.tvr.names()).toEqual(['issuerAuthenticationFailed']);
    expect(ctx.tsi.names()).toEqual(['issuerAuthenticationPerformed']);
  });

  it('counts an EXTERNAL AUTHENTICATE answer without a status word as a failure', async () => {
    const card = new ScriptedCard([
      { command: EXTERNAL_AUTHENTICATE, response: '90' },
      { command: secondAc('40', APPROVED_ARC, ARPC_AND_ARC, '0000000040'), response: format1('40') },
    ]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC)), NO_ODA);
    expect(ctx.tvr.names()).toEqual(['issuerAuthenticationFailed']);
  });

  it('leaves 91 to CDOL2 when the AIP does not support issuer authentication', async () => {
    const card = new ScriptedCard([{ command: secondAc('40', APPROVED_ARC, ARPC_AND_ARC), response: format1('40') }]);
    const ctx = contextWith(card, AIP_WITHOUT_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC)), NO_ODA);
    expect(completion.decision).toBe('approved');
    expect(ctx.tsi.names()).toEqual([]);
    expect(ctx.tvr.names()).toEqual([]);
  });

  it.each([
    ['no issuer data at all', ''],
    ['other data objects only', tlv('9F36', '0001')],
    ['an empty 91', '9100'],
  ])('AIP supports issuer authentication, host answer without 91 (%s): no EXTERNAL AUTHENTICATE, neither the TSI nor the TVR bit (the card judges)', async (_name, issuerTlv) => {
    // CDOL2's 91 is zero-filled (Book 3 §5.4) and the TVR stays all zero: nothing was performed, so nothing failed.
    const card = new ScriptedCard([{ command: secondAc('40', APPROVED_ARC, '00'.repeat(10)), response: format1('00') }]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, issuerTlv), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.decision).toBe('declined');
    expect(ctx.tsi.bytes().toString('hex')).toBe('0000');
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000000');
  });

  it('authenticates the issuer on a decline too, then asks for an AAC', async () => {
    const card = new ScriptedCard([
      { command: EXTERNAL_AUTHENTICATE, response: '9000' },
      { command: secondAc('00', DECLINED_ARC, ARPC_AND_ARC), response: format1('00') },
    ]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(DECLINED_ARC, false, tlv('91', ARPC_AND_ARC)), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion).toMatchObject({ decision: 'declined' });
    expect(completion.secondAc?.type).toBe('AAC');
  });

  it('lets a lost card end completion with its own error', async () => {
    const removed = new PosError('EMV_CARD_REMOVED', 'The card left the reader');
    const ctx = testContext(() => Promise.reject(removed));
    ctx.data.set('82', hex(AIP_WITH_ISSUER_AUTHENTICATION), 'card');
    ctx.data.set('8D', hex(CDOL2), 'card');
    await expect(completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC)), NO_ODA)).rejects.toBe(removed);
  });

  it('ends the transaction when the card answers a TC to the AAC a decline asks for', async () => {
    const card = new ScriptedCard([{ command: secondAc('00', DECLINED_ARC, '00'.repeat(10)), response: format1('40') }]);
    await expect(completeOnlineTransaction(contextWith(card, AIP_WITHOUT_ISSUER_AUTHENTICATION), answered(DECLINED_ARC, false, ''), NO_ODA)).rejects.toMatchObject({ code: 'EMV_CARD_DATA_INVALID' });
  });

  it('refuses an ARC that is not two characters', async () => {
    const card = new ScriptedCard([]);
    await expect(completeOnlineTransaction(contextWith(card, AIP_WITHOUT_ISSUER_AUTHENTICATION), answered('30', true, ''), NO_ODA)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(card.received).toEqual([]);
  });
});

describe('scripts around the second GENERATE AC (Book 3 §10.10)', () => {
  it('runs 71 before and 72 after it; a failure before shows in the TVR the card gets', async () => {
    const issuerTlv = tlv('91', ARPC_AND_ARC) + tlv('72', tlv('9F18', '00000002') + tlv('86', PUT_DATA)) + tlv('71', tlv('9F18', '00000001') + tlv('86', UNBLOCK) + tlv('86', PUT_DATA));
    const card = new ScriptedCard([
      { command: EXTERNAL_AUTHENTICATE, response: '9000' },
      { command: UNBLOCK, response: '9000' },
      { command: PUT_DATA, response: '6A88' },
      // TVR byte 5 b6: script processing failed before final GENERATE AC
      { command: secondAc('40', APPROVED_ARC, ARPC_AND_ARC, '0000000020'), response: format1('40') },
      { command: PUT_DATA, response: '9000' },
    ]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, issuerTlv), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.decision).toBe('approved');
    expect(completion.scriptResults.toString('hex').toUpperCase()).toBe('2100000001' + '1200000001' + '2100000002');
    expect(ctx.data.get('9F5B')?.equals(completion.scriptResults)).toBe(true);
    expect(ctx.data.sourceOf('9F5B')).toBe('terminal');
    expect(ctx.tvr.names()).toEqual(['scriptFailedBeforeFinalAc']);
    expect(ctx.tsi.names()).toEqual(['issuerAuthenticationPerformed', 'scriptProcessingPerformed']);
  });

  it('sets "script processing failed after final GENERATE AC" for a failing 72', async () => {
    const issuerTlv = tlv('72', tlv('86', UNBLOCK));
    const card = new ScriptedCard([
      { command: secondAc('00', DECLINED_ARC, '00'.repeat(10)), response: format1('00') },
      { command: UNBLOCK, response: '6985' },
    ]);
    const ctx = contextWith(card, AIP_WITHOUT_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(DECLINED_ARC, false, issuerTlv), NO_ODA);
    expect(completion.scriptResults.toString('hex').toUpperCase()).toBe('1100000000');
    expect(ctx.tvr.names()).toEqual(['scriptFailedAfterFinalAc']);
    expect(ctx.tsi.names()).toEqual(['scriptProcessingPerformed']);
  });
});

describe('scripts past the terminal\'s capacity (Book 3 §10.10, Book 4 §6.3.9)', () => {
  /** A template of 139 bytes: 9F18 and one 127-byte PUT DATA. */
  const tooLong = (tag: '71' | '72', id: string): string => tlv(tag, tlv('9F18', id) + tlv('86', '84DA9F147A' + '00'.repeat(0x7a)));

  it('a 71 too long is not sent; the second GENERATE AC carries "script processing failed before final GENERATE AC"', async () => {
    const card = new ScriptedCard([
      { command: EXTERNAL_AUTHENTICATE, response: '9000' },
      { command: secondAc('40', APPROVED_ARC, ARPC_AND_ARC, '0000000020'), response: format1('40') },
    ]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC) + tooLong('71', '00000007')), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.decision).toBe('approved');
    // b8–b5 0: not performed, sequence 0, the script's identifier
    expect(completion.scriptResults.toString('hex').toUpperCase()).toBe('0000000007');
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000020');
    expect(ctx.tsi.bytes().toString('hex')).toBe('1400'); // issuer authentication, script processing performed
  });

  it('a 72 too long is not sent: "script processing failed after final GENERATE AC"', async () => {
    const card = new ScriptedCard([{ command: secondAc('40', APPROVED_ARC, '00'.repeat(10)), response: format1('40') }]);
    const ctx = contextWith(card, AIP_WITHOUT_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tooLong('72', '00000008')), NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.scriptResults.toString('hex').toUpperCase()).toBe('0000000008');
    expect(ctx.data.get('9F5B')?.equals(completion.scriptResults)).toBe(true);
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000010');
    expect(ctx.tsi.bytes().toString('hex')).toBe('0400');
  });
});

describe('unable to go online (Book 3 §10.7, Book 4 Annex A6)', () => {
  it.each([
    ['approve', '40', '5933', '40', 'approved'],
    ['approve', '40', '5933', '00', 'declined'],
    ['decline', '00', '5A33', '00', 'declined'],
  ] as const)('%s: asks with P1 %s and ARC %s as terminal data; the card answers %s → %s', async (decision, p1, arc, cid, outcome) => {
    const card = new ScriptedCard([{ command: secondAc(p1, arc, '00'.repeat(10)), response: format1(cid) }]);
    const ctx = contextWith(card, AIP_WITH_ISSUER_AUTHENTICATION);
    const completion = await completeOnlineTransaction(ctx, { kind: 'unable-to-go-online', decision }, NO_ODA);
    expect(card.finished).toBe(true);
    expect(completion.decision).toBe(outcome);
    expect(completion.arc.toString('hex').toUpperCase()).toBe(arc);
    expect(completion.scriptResults.length).toBe(0);
    expect(ctx.data.sourceOf('8A')).toBe('terminal');
    expect(ctx.tsi.names()).toEqual([]);
    expect(ctx.tvr.names()).toEqual([]);
  });
});

describe('CDA at the second GENERATE AC (Book 2 §6.6)', () => {
  const CDA: OdaResult = { method: 'cda', iccKey: { modulus: hex('C1'.repeat(128)), exponent: hex('03') } };
  const signed = `${tlv('77', tlv('9F27', '40') + tlv('9F36', '0002') + tlv('9F4B', 'AB'.repeat(128)))}9000`;

  it.each([
    ['verifies', 'approved', { ok: true as const, applicationCryptogram: hex('0102030405060708'), iccDynamicNumber: hex('01') }, []],
    ['does not verify', 'declined', { ok: false as const, reason: 'hash' }, ['cdaFailed']],
  ])('asks for a TC with a signature; when it %s the transaction is %s', async (_name, decision, outcome, tvr) => {
    const card = new ScriptedCard([{ command: secondAc('50', APPROVED_ARC, ARPC_AND_ARC), response: signed }]);
    const ctx = contextWith(card, AIP_WITHOUT_ISSUER_AUTHENTICATION);
    const verifyCda: CdaVerifier = () => outcome;
    const completion = await completeOnlineTransaction(ctx, answered(APPROVED_ARC, true, tlv('91', ARPC_AND_ARC)), CDA, { verifyCda });
    expect(completion.decision).toBe(decision);
    expect(ctx.tvr.names()).toEqual(tvr);
  });
});

describe('completion against random card answers', () => {
  it('is approved only when the issuer approved and the card\'s final CID is a TC', async () => {
    const anyBytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex'));
    const sw = fc.constantFrom('9000', '6300', '6985', '90', '');
    const secondAnswer = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 255 }), anyBytes).map(([cid, rest]) => `${tlv('80', cid.toString(16).padStart(2, '0') + rest)}9000`),
      fc.tuple(anyBytes, sw).map(([data, status]) => data + status),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), sw, secondAnswer, fc.boolean(), async (approved, externalSw, answer, issuerAuth) => {
        const arc = approved ? APPROVED_ARC : DECLINED_ARC;
        const script: ScriptedExchange[] = [
          ...(issuerAuth ? [{ command: EXTERNAL_AUTHENTICATE, response: externalSw }] : []),
          { command: secondAc(approved ? '40' : '00', arc, ARPC_AND_ARC, issuerAuth && externalSw !== '9000' ? '0000000040' : '0000000000'), response: answer },
        ];
        const card = new ScriptedCard(script);
        const ctx = contextWith(card, issuerAuth ? AIP_WITH_ISSUER_AUTHENTICATION : AIP_WITHOUT_ISSUER_AUTHENTICATION);
        try {
          const completion = await completeOnlineTransaction(ctx, answered(arc, approved, tlv('91', ARPC_AND_ARC)), NO_ODA);
          if (completion.decision === 'approved') {
            expect(approved).toBe(true);
            expect((ctx.data.get('9F27')?.[0] ?? 0) & 0xc0).toBe(0x40);
          }
        } catch (error) {
          expect(isPosError(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
