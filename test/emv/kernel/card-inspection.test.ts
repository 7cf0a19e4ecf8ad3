/**
 * Reading a card for a technician without a transaction (`inspectCard`,
 * `pos diag card`): against the APDU-level virtual cards (profiles with
 * certificates from the test CAs) and scripted cards. It runs the kernel's
 * selection, GPO, READ RECORD and ODA; it never sends GENERATE AC; it says
 * which applications the card has and what became of each; the report holds
 * the masked PAN only; the kernel's data is wiped whatever happened.
 */
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inspectCard, type CardInspection, type InspectionDependencies } from '../../../src/emv/kernel/card-inspection.js';
import { maskedPanOf } from '../../../src/emv/kernel/card-inspection-report.js';
import { CapkTable } from '../../../src/emv/kernel/oda/index.js';
import { TransactionData } from '../../../src/emv/kernel/transaction-data.js';
import { ERROR_CODES } from '../../../src/util/error-codes/index.js';
import { buildChipCard, type EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { loadCardProfile } from '../../../hw-mocks/chip-card/card-profile.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { testCas } from '../../drivers/chip-card/harness.js';
import { adfFci, gpoCommand, hex, ok, prim, selectCommand, text } from './card-builders.js';
import { MASTERCARD_AID, TEST_NOW, VISA_AID, testAid, testKernelConfig } from './fixtures.js';

const VISA_DEBIT_AID = 'A0000000032010';
/** The deck cards the profiles carry (hw-mocks/cards/deck.json): the full PANs a report must never hold. */
const VISA_PAN = '4111111111111111';
const MASTERCARD_PAN = '5555555555554444';
const PSE = text('1PAY.SYS.DDF01');

beforeAll(() => {
  testCas();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function deps(overrides: Partial<InspectionDependencies> = {}): InspectionDependencies {
  return {
    config: testKernelConfig({ aids: [testAid(VISA_AID), testAid(VISA_DEBIT_AID), testAid(MASTERCARD_AID)] }),
    capks: CapkTable.load(testCas().map((ca) => ca.capk), []),
    now: () => TEST_NOW,
    unpredictableNumber: () => hex('11223344'),
    currency: '978',
    currencyExponent: 2,
    ...overrides,
  };
}

/** Inspects a virtual card in process; the commands it received by CLA INS. */
async function inspect(card: EmvChipCard, overrides: Partial<InspectionDependencies> = {}): Promise<{ report: CardInspection; commands: string[] }> {
  card.powerOn();
  const commands: string[] = [];
  const report = await inspectCard((command) => {
    commands.push(command.subarray(0, 2).toString('hex').toUpperCase());
    return Promise.resolve(card.transmit(command));
  }, deps(overrides));
  return { report, commands };
}

const chip = (profile: string | ReturnType<typeof loadCardProfile>): EmvChipCard => buildChipCard({ profile, ca: testCas() });

/** The report as `--json` prints it: no full PAN, in digits or as the card's hex. */
function expectNoPan(report: CardInspection, pan: string): void {
  const printed = JSON.stringify(report);
  expect(printed).not.toContain(pan);
  expect(printed).not.toContain(pan.slice(0, 12));
}

describe('inspectCard against the virtual cards', () => {
  it('visa-sda: application, AIP, AFL, CVM list, SDA verified, masked PAN and expiry; no GENERATE AC', async () => {
    const { report, commands } = await inspect(chip('visa-sda'));
    expect(report.failure).toBeUndefined();
    expect(report.applicationsFrom).toBe('pse');
    expect(report.applications).toEqual([
      { aid: VISA_AID, label: 'VISA CREDIT', priority: 1, confirmationRequired: false, terminalAid: VISA_AID, status: 'selected' },
    ]);
    expect(report.selected?.aid).toBe(VISA_AID);
    expect(report.aip?.bits).toContain('SDA supported');
    expect(report.afl?.entries.length).toBeGreaterThan(0);
    expect(report.oda).toMatchObject({ method: 'sda', status: 'verified', text: 'SDA verified', caKey: { rid: 'A000000003', found: true } });
    expect(report.card).toEqual({ maskedPan: '411111******1111', expiry: '2030-12-31' });
    expect(commands).not.toContain('80AE');
    expect(commands).not.toContain('0088');
    expectNoPan(report, VISA_PAN);
  });

  it('visa-dda: DDA verified through INTERNAL AUTHENTICATE; the CVM list in words with X and Y', async () => {
    const { report, commands } = await inspect(chip('visa-dda'));
    expect(report.oda).toMatchObject({ method: 'dda', status: 'verified' });
    expect(commands.filter((c) => c === '0088')).toHaveLength(1);
    expect(commands).not.toContain('80AE');
    // 8E 00000000 00000000 4203 1E03 1F03, 9F42 0978 (Book 3 Annex C3).
    expect(report.cvmList).toEqual({
      valid: true,
      amountX: 0,
      amountY: 0,
      currency: { numeric: '978', alpha: 'EUR', exponent: 2 },
      rules: [
        { code: '42', condition: '03', text: 'Enciphered PIN verified online, if terminal supports the CVM; apply next rule if unsuccessful' },
        { code: '1E', condition: '03', text: 'Signature (paper), if terminal supports the CVM; fail cardholder verification if unsuccessful' },
        { code: '1F', condition: '03', text: 'No CVM required, if terminal supports the CVM; fail cardholder verification if unsuccessful' },
      ],
    });
    expect(report.afl?.entries).toContainEqual({ sfi: 2, firstRecord: 1, lastRecord: 1, odaRecords: 1 });
    expectNoPan(report, VISA_PAN);
  });

  it.each([
    ['visa-cda', VISA_AID, 'A000000003'],
    ['mastercard-cda', MASTERCARD_AID, 'A000000004'],
  ])('%s: certificates verified and the ICC key recovered; the signature waits for a transaction, no GENERATE AC', async (profile, aid, rid) => {
    const { report, commands } = await inspect(chip(profile));
    expect(report.selected?.aid).toBe(aid);
    expect(report.oda).toMatchObject({ method: 'cda', status: 'icc-key-recovered', caKey: { rid, found: true } });
    expect(report.oda?.text).toContain('checked only in a transaction');
    expect(commands).not.toContain('80AE');
    expect(commands).not.toContain('0088');
  });

  it('visa-bad-issuer-certificate: DDA failed at the hash, said in words', async () => {
    const { report, commands } = await inspect(chip('visa-bad-issuer-certificate'));
    expect(report.failure).toBeUndefined();
    expect(report.oda).toMatchObject({ method: 'dda', status: 'failed', failure: 'hash' });
    expect(report.oda?.text).toMatch(/^DDA failed: /);
    expect(commands).not.toContain('0088');
  });

  it('a terminal without the card’s CA key: ODA failed, naming the RID and index it needs', async () => {
    const { report } = await inspect(chip('visa-dda'), { capks: CapkTable.load([], []) });
    const index = testCas()[0]!.capk.index.toString(16).toUpperCase().padStart(2, '0');
    expect(report.oda).toMatchObject({ method: 'dda', status: 'failed', failure: 'capk-missing', caKey: { rid: 'A000000003', index, found: false } });
  });

  it('two applications: the highest priority is selected, the other listed as a candidate with its confirmation flag', async () => {
    const { report } = await inspect(chip('two-applications'));
    expect(report.applications.map((a) => [a.aid, a.label, a.priority, a.confirmationRequired, a.status])).toEqual([
      [VISA_AID, 'VISA CREDIT', 2, true, 'candidate'],
      [VISA_DEBIT_AID, 'VISA DEBIT', 1, false, 'selected'],
    ]);
  });

  it('two applications, one asked for: that one is selected, also when it asks for confirmation', async () => {
    const { report } = await inspect(chip('two-applications'), { aid: hex(VISA_AID) });
    expect(report.selected).toMatchObject({ aid: VISA_AID, confirmationRequired: true });
    expect(report.applications.find((a) => a.aid === VISA_DEBIT_AID)?.status).toBe('candidate');
  });

  it('an application asked for that the card does not have: EMV_NO_APPLICATION naming it, the card’s applications still listed', async () => {
    const { report } = await inspect(chip('visa-dda'), { aid: hex(MASTERCARD_AID) });
    expect(report.failure).toMatchObject({ step: 'selection', code: 'EMV_NO_APPLICATION', details: { aid: MASTERCARD_AID } });
    expect(report.applications).toEqual([expect.objectContaining({ aid: VISA_AID, status: 'candidate' })]);
  });

  it('visa-blocked through the PSE: the application is listed as blocked (6283), selection ends with EMV_APPLICATION_BLOCKED', async () => {
    const { report, commands } = await inspect(chip('visa-blocked'));
    expect(report.applications).toEqual([expect.objectContaining({ aid: VISA_AID, status: 'blocked', sw: '6283' })]);
    expect(report.failure).toMatchObject({ step: 'selection', code: 'EMV_APPLICATION_BLOCKED' });
    expect(report.selected).toBeUndefined();
    expect(report.card).toEqual({});
    expect(commands).not.toContain('80A8');
  });

  it('a blocked application on a card without a PSE: found blocked while the list of AIDs is walked', async () => {
    const { pse, ...profile } = loadCardProfile('visa-blocked');
    expect(pse).toBeDefined();
    const { report } = await inspect(chip(profile));
    expect(report.applicationsFrom).toBe('aid-list');
    expect(report.applications).toEqual([expect.objectContaining({ aid: VISA_AID, label: 'VISA CREDIT', status: 'blocked', sw: '6283' })]);
    expect(report.failure).toMatchObject({ step: 'selection', code: 'EMV_APPLICATION_BLOCKED' });
  });

  it('mastercard (no PSE): the list of AIDs finds it; format 2 GPO; offline PIN first in its CVM list, in words', async () => {
    const { report } = await inspect(chip('mastercard'));
    expect(report.failure).toBeUndefined();
    expect(report.applicationsFrom).toBe('aid-list');
    expect(report.selected).toMatchObject({ aid: MASTERCARD_AID, label: 'MASTERCARD' });
    expect(report.oda).toMatchObject({ method: 'none', status: 'not-performed' });
    expect(report.cvmList?.valid === true ? report.cvmList.rules[0]?.text : undefined).toMatch(/^(Plaintext|Enciphered) PIN verification performed by ICC/);
    expect(report.card.maskedPan).toBe('555555******4444');
    expectNoPan(report, MASTERCARD_PAN);
  });

  it('a PSE entry the terminal has no AID for is listed as not supported', async () => {
    const { report } = await inspect(chip('visa-dda'), { config: testKernelConfig({ aids: [testAid(MASTERCARD_AID)] }) });
    expect(report.applications).toEqual([{ aid: VISA_AID, label: 'VISA CREDIT', priority: 1, confirmationRequired: false, status: 'not-supported' }]);
    expect(report.failure).toMatchObject({ step: 'selection', code: 'EMV_NO_APPLICATION' });
  });

  it('wipes the kernel’s data, after a full read and after a failure', async () => {
    const wipe = vi.spyOn(TransactionData.prototype, 'wipe');
    await inspect(chip('visa-dda'));
    expect(wipe).toHaveBeenCalled();
    wipe.mockClear();
    const card = chip('visa-dda');
    card.powerOn();
    let reads = 0;
    const report = await inspectCard((command) => {
      // The second READ RECORD of the application fails: the card is pulled.
      if (command[1] === 0xb2 && ++reads === 3) return Promise.resolve(hex('6A82'));
      return Promise.resolve(card.transmit(command));
    }, deps());
    expect(report.failure).toMatchObject({ step: 'read-records', code: 'EMV_CARD_STATUS' });
    expect(wipe).toHaveBeenCalled();
  });
});

describe('inspectCard against scripted cards', () => {
  const visaFci = adfFci(hex(VISA_AID), prim('50', text('VISA CREDIT')), prim('87', '01'));

  it('no PSE, GPO answers 6985: the application is listed as refused at GPO, and nothing is left to select', async () => {
    const card = new ScriptedCard([
      { command: selectCommand(PSE), response: '6A82' },
      { command: selectCommand(hex(VISA_AID)), response: ok(visaFci) },
      { command: selectCommand(hex(MASTERCARD_AID)), response: '6A82' },
      { command: selectCommand(hex(VISA_AID)), response: ok(visaFci) },
      { command: gpoCommand(), response: '6985' },
    ]);
    const report = await inspectCard(card.transmit, deps({ config: testKernelConfig() }));
    expect(card.finished).toBe(true);
    expect(report.applications).toEqual([{ aid: VISA_AID, label: 'VISA CREDIT', priority: 1, confirmationRequired: false, terminalAid: VISA_AID, status: 'gpo-refused' }]);
    expect(report.failure).toMatchObject({ step: 'selection', code: 'EMV_NO_APPLICATION' });
  });

  it('6A81 to SELECT of the PSE: the card is blocked, said at selection', async () => {
    const card = new ScriptedCard([{ command: selectCommand(PSE), response: '6A81' }]);
    const report = await inspectCard(card.transmit, deps());
    expect(report).toEqual({ applicationsFrom: 'none', applications: [], card: {}, failure: expect.objectContaining({ step: 'selection', code: 'EMV_CARD_BLOCKED' }) });
  });

  it('a GPO answer in neither format: the failure at initiate, the application still shown as selected', async () => {
    const card = new ScriptedCard([
      { command: selectCommand(PSE), response: '6A82' },
      { command: selectCommand(hex(VISA_AID)), response: ok(visaFci) },
      { command: selectCommand(hex(MASTERCARD_AID)), response: '6A82' },
      { command: selectCommand(hex(VISA_AID)), response: ok(visaFci) },
      { command: gpoCommand(), response: ok(prim('99', '0000')) },
    ]);
    const report = await inspectCard(card.transmit, deps({ config: testKernelConfig() }));
    expect(report.selected?.status).toBe('selected');
    expect(report.failure).toMatchObject({ step: 'initiate', code: 'EMV_CARD_DATA_INVALID' });
  });
});

describe('inspectCard on what a card may answer (fast-check)', () => {
  const knownCodes = new Set(Object.keys(ERROR_CODES));
  const check = (report: CardInspection): void => {
    if (report.failure !== undefined) expect(knownCodes.has(report.failure.code)).toBe(true);
    JSON.stringify(report);
  };

  it('random response APDUs: a report, never a crash', async () => {
    const response = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((data) => Buffer.concat([data, hex('9000')])),
      fc.uint8Array({ maxLength: 40 }).map((data) => Buffer.from(data)),
      fc.constantFrom('6A82', '6283', '6985', '6A81', '6A83', '9000').map(hex),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(response, { maxLength: 30 }), async (responses) => {
        let i = 0;
        const report = await inspectCard(() => Promise.resolve(Buffer.from(responses[i++ % Math.max(responses.length, 1)] ?? hex('6A82'))), deps());
        check(report);
      }),
      { numRuns: 200 },
    );
  });

  it('a real card’s answers with bytes changed: a report, never a crash, never a full PAN', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ exchange: fc.nat(40), offset: fc.nat(300), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }), async (flips) => {
        const card = chip('visa-dda');
        card.powerOn();
        let n = 0;
        const report = await inspectCard((command) => {
          const answer = Buffer.from(card.transmit(command));
          for (const flip of flips) if (flip.exchange === n && answer.length > 0) answer[flip.offset % answer.length]! ^= flip.xor;
          n++;
          return Promise.resolve(answer);
        }, deps());
        check(report);
        expectNoPan(report, VISA_PAN);
      }),
      { numRuns: 60 },
    );
  });
});

describe('maskedPanOf', () => {
  it.each([
    ['4111111111111111', '411111******1111'],
    ['378282246310005F', '378282*****0005'],
    ['5555555555554444FF', '555555******4444'],
  ])('5A %s → %s', (cn, masked) => {
    expect(maskedPanOf(hex(cn))).toBe(masked);
  });

  it.each(['', 'FF', '41A1', '41F1'])('not cn (%s): undefined', (cn) => {
    expect(maskedPanOf(hex(cn))).toBeUndefined();
  });
});
