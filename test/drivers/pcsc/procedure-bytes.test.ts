import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apduCase, exchangeApdu, MAX_PROCEDURE_ROUNDS, withLe, type RawTransmit } from '../../../drivers/pcsc/procedure-bytes.js';
import type { PcscProtocol } from '../../../drivers/pcsc/pcsc-binding.js';
import { PosError } from '../../../src/util/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const show = (b: Buffer): string => b.toString('hex').toUpperCase();

/** A reader that answers a script of C-TPDU → R-TPDU pairs in order; `done()` says every step was used. */
function scriptedReader(steps: readonly (readonly [command: string, response: string])[]): { raw: RawTransmit; done: () => boolean } {
  let next = 0;
  const raw: RawTransmit = (command) => {
    const step = steps[next];
    if (step === undefined) return Promise.reject(new Error(`unexpected command ${show(command)} after the script`));
    expect(show(command)).toBe(show(hex(step[0])));
    next++;
    return Promise.resolve(hex(step[1]));
  };
  return { raw, done: () => next === steps.length };
}

// SELECT of the PSE (EMV Book 1 §12.2.2): case 4, Lc 0E, Le 00.
const SELECT_PSE = '00 A4 04 00 0E 315041592E5359532E4444463031 00';
const FCI = '6F1A840E315041592E5359532E4444463031A5088801025F2D02656E';

describe('T=0 procedure bytes (EMV Book 1 §9.3.1, ISO/IEC 7816-4 §5.3.4)', () => {
  const cases: readonly { name: string; protocol: PcscProtocol; command: string; steps: readonly (readonly [string, string])[]; answer: string }[] = [
    { name: 'a whole answer passes as it is', protocol: 'T=0', command: SELECT_PSE, steps: [[SELECT_PSE, `${FCI} 9000`]], answer: `${FCI} 9000` },
    { name: 'an error status passes as it is', protocol: 'T=0', command: SELECT_PSE, steps: [[SELECT_PSE, '6A82']], answer: '6A82' },
    {
      name: "'61xx': GET RESPONSE with Le = xx",
      protocol: 'T=0',
      command: SELECT_PSE,
      steps: [[SELECT_PSE, '611C'], ['00C000001C', `${FCI} 9000`]],
      answer: `${FCI} 9000`,
    },
    {
      name: "'61xx' repeated: each GET RESPONSE's data concatenated in order",
      protocol: 'T=0',
      command: '00B2010C00',
      steps: [['00B2010C00', `${'AA'.repeat(10)} 6100`], ['00C0000000', `${'BB'.repeat(256)} 6103`], ['00C0000003', 'CCCCCC 9000']],
      answer: `${'AA'.repeat(10)}${'BB'.repeat(256)}CCCCCC 9000`,
    },
    {
      name: "'6Cxx' to a case 2 command: the same command again with Le = xx",
      protocol: 'T=0',
      command: '00B2010C00',
      steps: [['00B2010C00', '6C1A'], ['00B2010C1A', `${'70'}18${'11'.repeat(24)} 9000`]],
      answer: `7018${'11'.repeat(24)} 9000`,
    },
    {
      name: "'6Cxx' to a GET RESPONSE: the GET RESPONSE again with Le = xx",
      protocol: 'T=0',
      command: SELECT_PSE,
      steps: [[SELECT_PSE, '6100'], ['00C0000000', '6C1C'], ['00C000001C', `${FCI} 9000`]],
      answer: `${FCI} 9000`,
    },
    {
      name: "'6Cxx' to a case 1 command: Le added",
      protocol: 'T=0',
      command: '80CA9F17',
      steps: [['80CA9F17', '6C04'], ['80CA9F1704', '9F170103 9000']],
      answer: '9F170103 9000',
    },
    {
      name: 'a warning to a case 4 command under T=0: GET RESPONSE Le = 00, its data with the warning',
      protocol: 'T=0',
      command: SELECT_PSE,
      steps: [[SELECT_PSE, '6283'], ['00C0000000', '611C'], ['00C000001C', `${FCI} 9000`]],
      answer: `${FCI} 6283`,
    },
    {
      name: 'a warning to a case 4 command whose GET RESPONSE gives no data: the warning alone',
      protocol: 'T=0',
      command: SELECT_PSE,
      steps: [[SELECT_PSE, '6283'], ['00C0000000', '6F00']],
      answer: '6283',
    },
    { name: 'a warning under T=1 is the answer itself', protocol: 'T=1', command: SELECT_PSE, steps: [[SELECT_PSE, '6283']], answer: '6283' },
    { name: 'a warning to a case 3 command is the answer itself', protocol: 'T=0', command: '0020008008241234FFFFFFFFFF', steps: [['0020008008241234FFFFFFFFFF', '63C2']], answer: '63C2' },
    {
      name: "'61xx' under T=1 is resolved too",
      protocol: 'T=1',
      command: SELECT_PSE,
      steps: [[SELECT_PSE, '611C'], ['00C000001C', `${FCI} 9000`]],
      answer: `${FCI} 9000`,
    },
  ];

  it.each(cases)('$name', async ({ protocol, command, steps, answer }) => {
    const reader = scriptedReader(steps);
    expect(show(await exchangeApdu(reader.raw, hex(command), protocol))).toBe(show(hex(answer)));
    expect(reader.done()).toBe(true);
  });

  it(`a card that keeps answering '61xx' is cut off after ${MAX_PROCEDURE_ROUNDS} rounds`, async () => {
    let sent = 0;
    const raw: RawTransmit = () => {
      sent++;
      return Promise.resolve(hex('01 6101'));
    };
    const err = await exchangeApdu(raw, hex('00B2010C00'), 'T=0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PosError);
    expect(err).toMatchObject({ code: 'PCSC_RESPONSE_INVALID', details: { rounds: MAX_PROCEDURE_ROUNDS + 1 } });
    expect(sent).toBe(MAX_PROCEDURE_ROUNDS + 1);
  });

  it("a reader's failure passes through unchanged", async () => {
    const failure = new PosError('EMV_CARD_REMOVED', 'gone');
    const steps = scriptedReader([[SELECT_PSE, '611C']]);
    let first = true;
    const raw: RawTransmit = (c) => {
      if (first) {
        first = false;
        return steps.raw(c);
      }
      return Promise.reject(failure);
    };
    await expect(exchangeApdu(raw, hex(SELECT_PSE), 'T=0')).rejects.toBe(failure);
  });

  it('any answers the card gives end in a response with a status word or PCSC_RESPONSE_INVALID', async () => {
    const answer = fc.tuple(fc.uint8Array({ maxLength: 8 }), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xff }));
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 80 }), fc.constantFrom<PcscProtocol>('T=0', 'T=1'), fc.uint8Array({ minLength: 4, maxLength: 12 }), async (answers, protocol, command) => {
        let i = 0;
        const raw: RawTransmit = () => {
          const [data, sw1, sw2] = answers[i % answers.length] ?? [new Uint8Array(), 0x90, 0x00];
          i++;
          return Promise.resolve(Buffer.from([...data, sw1, sw2]));
        };
        try {
          const response = await exchangeApdu(raw, Buffer.from(command), protocol);
          expect(response.length).toBeGreaterThanOrEqual(2);
          expect(response[response.length - 2]).not.toBe(0x61);
        } catch (err) {
          expect(err).toMatchObject({ code: 'PCSC_RESPONSE_INVALID' });
        }
      }),
    );
  });
});

describe('APDU cases (ISO/IEC 7816-3 §12.1.2)', () => {
  it.each([
    ['case 1: header only', '80CA9F17', 1],
    ['case 2: header and Le', '00B2010C00', 2],
    ['case 3: header, Lc and data', '0020008008241234FFFFFFFFFF', 3],
    ['case 4: header, Lc, data and Le', SELECT_PSE, 4],
    ['no case: Lc longer than the data', '00A404000E3150', undefined],
    ['no case: Lc 00 in a short APDU', '00A4040000AA', undefined],
  ] as const)('%s', (_name, command, expected) => {
    expect(apduCase(hex(command))).toBe(expected);
  });

  it('withLe adds Le to a case 1 or 3 and replaces it in a case 2 or 4', () => {
    expect(show(withLe(hex('80CA9F17'), 0x04) ?? Buffer.alloc(0))).toBe('80CA9F1704');
    expect(show(withLe(hex('00B2010C00'), 0x1a) ?? Buffer.alloc(0))).toBe('00B2010C1A');
    expect(show(withLe(hex('0020008002AABB'), 0x05) ?? Buffer.alloc(0))).toBe('0020008002AABB05');
    expect(show(withLe(hex(SELECT_PSE), 0x1c) ?? Buffer.alloc(0))).toBe(show(hex(SELECT_PSE.replace(/00$/, '1C'))));
    expect(withLe(hex('00A404000E3150'), 0x10)).toBeUndefined();
  });
});
