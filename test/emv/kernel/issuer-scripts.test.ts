/**
 * Issuer-to-card script processing (EMV 4.4 Book 3 §10.10) and its Issuer
 * Script Results (9F5B, Book 4 Annex A5), against scripted cards: commands
 * sent as the issuer coded them, a script stopped at its first failing
 * command, malformed scripts never sent, scripts past the terminal's
 * capacity (128 bytes a response) never sent and counted as failed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISSUER_SCRIPT_CAPACITY_BYTES, processIssuerScripts } from '../../../src/emv/kernel/issuer-scripts.js';
import { PosError } from '../../../src/util/errors.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { testContext } from './fixtures.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
function tlv(tag: string, value: string): string {
  const length = value.replace(/\s+/g, '').length / 2;
  const byte = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
  return `${tag}${length > 0x7f ? `81${byte(length)}` : byte(length)}${value.replace(/\s+/g, '')}`;
}

// Issuer script commands as an issuer sends them (Book 3 §6.5, with secure messaging, CLA 84).
/** APPLICATION UNBLOCK with an 8-byte MAC. */
const UNBLOCK = '8418000008 1111111111111111'.replace(/\s/g, '');
/** PUT DATA of the Lower Consecutive Offline Limit (9F14) with a MAC. */
const PUT_DATA = '84DA9F1409 05 2222222222222222'.replace(/\s/g, '');
/** PIN CHANGE/UNBLOCK without a new PIN, with a MAC. */
const PIN_UNBLOCK = '8424000008 3333333333333333'.replace(/\s/g, '');

function script(tag: '71' | '72', id: string | undefined, ...commands: string[]): string {
  return tlv(tag, (id === undefined ? '' : tlv('9F18', id)) + commands.map((c) => tlv('86', c)).join(''));
}

function context(card: ScriptedCard) {
  return testContext(card.transmit);
}

function entries(results: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < results.length; i += 5) out.push(results.subarray(i, i + 5).toString('hex').toUpperCase());
  return out;
}

describe('issuer scripts (Book 3 §10.10)', () => {
  it('sends each command of each script of the template tag, in order, and reports each (Book 4 A5)', async () => {
    const issuerTlv = hex(tlv('91', '0123456789ABCDEF3030') + script('71', '00000001', UNBLOCK, PUT_DATA) + script('72', '00000002', PIN_UNBLOCK) + script('71', '00000003', PIN_UNBLOCK));
    const card = new ScriptedCard([
      { command: UNBLOCK, response: '9000' },
      { command: PUT_DATA, response: '9000' },
      { command: PIN_UNBLOCK, response: '9000' },
    ]);
    const outcome = await processIssuerScripts(context(card), '71', issuerTlv);
    expect(card.finished).toBe(true);
    expect(outcome).toMatchObject({ failed: false, performed: true });
    // b8–b5 2 = successful, b4–b1 the command's sequence number; then the script identifier
    expect(entries(outcome.results)).toEqual(['2100000001', '2200000001', '2100000003']);
  });

  it('takes SW1 62 and 63 as a reason to go on', async () => {
    const card = new ScriptedCard([
      { command: UNBLOCK, response: '6283' },
      { command: PUT_DATA, response: '63C2' },
    ]);
    const outcome = await processIssuerScripts(context(card), '72', hex(script('72', '0A0B0C0D', UNBLOCK, PUT_DATA)));
    expect(outcome.failed).toBe(false);
    expect(entries(outcome.results)).toEqual(['210A0B0C0D', '220A0B0C0D']);
  });

  it.each(['6985', '6A88', '6700', '9100', '6D00'])('stops a script at a command answered %s, and goes on with the next script', async (sw) => {
    const card = new ScriptedCard([
      { command: UNBLOCK, response: '9000' },
      { command: PUT_DATA, response: sw },
      { command: PIN_UNBLOCK, response: '9000' },
    ]);
    const issuerTlv = hex(script('71', '00000001', UNBLOCK, PUT_DATA, UNBLOCK) + script('71', '00000002', PIN_UNBLOCK));
    const outcome = await processIssuerScripts(context(card), '71', issuerTlv);
    expect(card.finished).toBe(true);
    expect(outcome).toMatchObject({ failed: true, performed: true });
    expect(entries(outcome.results)).toEqual(['2100000001', '1200000001', '2100000002']);
  });

  it('writes a zero identifier for a script without 9F18', async () => {
    const card = new ScriptedCard([{ command: UNBLOCK, response: '9000' }]);
    const outcome = await processIssuerScripts(context(card), '71', hex(script('71', undefined, UNBLOCK)));
    expect(entries(outcome.results)).toEqual(['2100000000']);
  });

  it('numbers the 15th command and later F', async () => {
    const commands = Array.from({ length: 16 }, () => '8418000000');
    const card = new ScriptedCard(commands.map((command) => ({ command, response: '9000' })));
    const outcome = await processIssuerScripts(context(card), '72', hex(script('72', undefined, ...commands)));
    expect(entries(outcome.results).map((e) => e.slice(0, 2))).toEqual(['21', '22', '23', '24', '25', '26', '27', '28', '29', '2A', '2B', '2C', '2D', '2E', '2F', '2F']);
  });

  it('counts an answer with no status word as a failed command', async () => {
    const card = new ScriptedCard([{ command: UNBLOCK, response: '90' }]);
    const outcome = await processIssuerScripts(context(card), '71', hex(script('71', '00000001', UNBLOCK, PUT_DATA)));
    expect(entries(outcome.results)).toEqual(['1100000001']);
    expect(outcome.failed).toBe(true);
  });

  it('does nothing, and says so, when there is no script of the tag', async () => {
    const card = new ScriptedCard([]);
    const outcome = await processIssuerScripts(context(card), '71', hex(tlv('91', '0123456789ABCDEF3030') + script('72', '00000001', UNBLOCK)));
    expect(outcome).toEqual({ results: Buffer.alloc(0), failed: false, performed: false });
    expect(card.received).toEqual([]);
  });

  it.each([
    ['an identifier of 3 bytes', tlv('71', tlv('9F18', '000001') + tlv('86', UNBLOCK)), '1000000000'],
    ['two identifiers', tlv('71', tlv('9F18', '00000001') + tlv('9F18', '00000002') + tlv('86', UNBLOCK)), '1000000001'],
    ['an identifier after a command', tlv('71', tlv('86', UNBLOCK) + tlv('9F18', '00000001')), '1000000000'],
    ['a data object other than 9F18 and 86', tlv('71', tlv('9F18', '00000001') + tlv('86', UNBLOCK) + tlv('9F26', '1122334455667788')), '1000000001'],
    ['no command', tlv('71', tlv('9F18', '00000001')), '1000000001'],
    ['a command shorter than a header', tlv('71', tlv('9F18', '00000001') + tlv('86', '841800')), '1000000001'],
    ['a command whose Lc does not match its data', tlv('71', tlv('9F18', '00000001') + tlv('86', '841800000811')), '1000000001'],
    ['a command with an extended length', tlv('71', tlv('9F18', '00000001') + tlv('86', '84180000000008' + '11'.repeat(8))), '1000000001'],
    ['BER-TLV that runs past the template', tlv('71', `9F180400000001 8610${UNBLOCK}`), '1000000000'],
  ])('does not send a script with %s, and reports it failed', async (_name, template, entry) => {
    const card = new ScriptedCard([{ command: PIN_UNBLOCK, response: '9000' }]);
    const outcome = await processIssuerScripts(context(card), '71', hex(template + script('71', '00000009', PIN_UNBLOCK)));
    expect(card.finished).toBe(true);
    expect(outcome).toMatchObject({ failed: true, performed: true });
    expect(entries(outcome.results)).toEqual([entry, '2100000009']);
  });

  it('reports a template cut off at the end of the issuer data as failed, after the scripts before it', async () => {
    const card = new ScriptedCard([{ command: UNBLOCK, response: '9000' }]);
    const cut = script('71', '00000002', PUT_DATA).slice(0, -6);
    const outcome = await processIssuerScripts(context(card), '71', hex(script('71', '00000001', UNBLOCK) + cut));
    expect(entries(outcome.results)).toEqual(['2100000001', '1000000000']);
    expect(outcome.failed).toBe(true);
  });

  it(`processes scripts up to ${ISSUER_SCRIPT_CAPACITY_BYTES} bytes in all, 71 and 72 counted in the order they came`, async () => {
    const big = '84DA9F1437' + '00'.repeat(0x37); // a 60-byte command: with 9F18 its template is 71 bytes
    const first = script('72', '00000001', big); // bytes 1–71 (a 72 counts toward the limit while 71s are processed)
    const second = script('71', '00000002', UNBLOCK); // 72–95
    const third = script('71', '00000003', big); // 96–166: past 128, not performed
    expect(hex(first).length + hex(second).length).toBeLessThanOrEqual(ISSUER_SCRIPT_CAPACITY_BYTES);
    const card = new ScriptedCard([{ command: UNBLOCK, response: '9000' }]);
    const outcome = await processIssuerScripts(context(card), '71', hex(first + second + third));
    expect(card.finished).toBe(true);
    // b8–b5 0: Issuer Script processing not performed
    expect(entries(outcome.results)).toEqual(['2100000002', '0000000003']);
    // a script the terminal received and could not process: script processing failed (Book 3 §10.10)
    expect(outcome).toMatchObject({ failed: true, performed: true });
  });

  /** A 71 or 72 template of exactly `total` bytes (tag and length included): 9F18 and one PUT DATA whose data fills it. */
  function scriptOfLength(tag: '71' | '72', id: string, total: number): string {
    const dataBytes = total - 2 /* 71 L */ - 7 /* 9F18 04 id */ - 2 /* 86 L */ - 5; /* CLA INS P1 P2 Lc */
    const command = `84DA9F14${dataBytes.toString(16).padStart(2, '0')}${'00'.repeat(dataBytes)}`;
    const template = script(tag, id, command);
    expect(hex(template).length).toBe(total);
    return template;
  }

  it(`sends a script of exactly ${ISSUER_SCRIPT_CAPACITY_BYTES} bytes`, async () => {
    const template = scriptOfLength('71', '00000001', ISSUER_SCRIPT_CAPACITY_BYTES);
    const command = hex(template).subarray(2 + 7 + 2).toString('hex').toUpperCase();
    const card = new ScriptedCard([{ command, response: '9000' }]);
    const outcome = await processIssuerScripts(context(card), '71', hex(template));
    expect(card.finished).toBe(true);
    expect(entries(outcome.results)).toEqual(['2100000001']);
    expect(outcome).toEqual({ results: outcome.results, failed: false, performed: true });
  });

  it.each(['71', '72'] as const)(`does not send a %s script of ${ISSUER_SCRIPT_CAPACITY_BYTES + 1} bytes: "not performed", and script processing failed`, async (tag) => {
    const card = new ScriptedCard([]);
    const outcome = await processIssuerScripts(context(card), tag, hex(scriptOfLength(tag, '0000000C', ISSUER_SCRIPT_CAPACITY_BYTES + 1)));
    expect(card.received).toEqual([]);
    expect(entries(outcome.results)).toEqual(['000000000C']);
    expect(outcome).toMatchObject({ failed: true, performed: true });
  });

  it('a script past the capacity fails only its own template: the other template\'s scripts before it are sent and succeed', async () => {
    const card = new ScriptedCard([{ command: UNBLOCK, response: '9000' }]);
    const issuerTlv = hex(script('72', '00000001', UNBLOCK) + scriptOfLength('71', '00000002', ISSUER_SCRIPT_CAPACITY_BYTES));
    const outcome = await processIssuerScripts(context(card), '72', issuerTlv);
    expect(card.finished).toBe(true);
    expect(entries(outcome.results)).toEqual(['2100000001']);
    expect(outcome).toMatchObject({ failed: false, performed: true });
  });

  it('lets a lost card end script processing with its own error', async () => {
    const removed = new PosError('EMV_CARD_REMOVED', 'The card left the reader');
    const ctx = testContext(() => Promise.reject(removed));
    await expect(processIssuerScripts(ctx, '71', hex(script('71', '00000001', UNBLOCK)))).rejects.toBe(removed);
  });
});

describe('issuer scripts against random issuer data and card answers', () => {
  it('always report whole 5-byte results and never throw', async () => {
    const command = fc.uint8Array({ minLength: 0, maxLength: 12 }).map((b) => tlv('86', Buffer.from(b).toString('hex')));
    const template = fc.tuple(fc.constantFrom('71', '72', '91', '9F18', '86'), fc.option(fc.constantFrom('00000001', '01', ''), { nil: undefined }), fc.array(command, { maxLength: 4 }))
      .map(([tag, id, commands]) => tlv(tag, (id === undefined ? '' : tlv('9F18', id)) + commands.join('')));
    const issuerData = fc.oneof(
      fc.array(template, { maxLength: 5 }).map((parts) => parts.join('')),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('hex')),
    );
    await fc.assert(
      fc.asyncProperty(issuerData, fc.array(fc.uint8Array({ maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.constantFrom<'71' | '72'>('71', '72'), async (data, answers, tag) => {
        let next = 0;
        const ctx = testContext((apdu) => {
          expect(apdu.length).toBeGreaterThanOrEqual(4);
          return Promise.resolve(Buffer.from(answers[next++ % answers.length] as Uint8Array));
        });
        // nothing the issuer or the card sends makes it throw
        const outcome = await processIssuerScripts(ctx, tag, hex(data));
        expect(outcome.results.length % 5).toBe(0);
        expect(entries(outcome.results).length).toBeGreaterThanOrEqual(next);
        if (outcome.failed) expect(outcome.performed).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});
