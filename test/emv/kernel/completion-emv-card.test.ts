/**
 * GENERATE AC, issuer authentication, scripts and completion against the
 * APDU-level virtual card (`hw-mocks/chip-card/emv-chip-card.ts`, written
 * from the Books, not from this kernel), with the kernel's own steps before
 * them and the issuer's side (ARPC, script MACs) computed here: CDA signatures
 * the card really makes, EXTERNAL AUTHENTICATE and 91 through CDOL2, scripts
 * with real MACs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { completeOnlineTransaction, type Completion } from '../../../src/emv/kernel/completion.js';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import { generateAc, type GenerateAcResult } from '../../../src/emv/kernel/generate-ac.js';
import { initiateApplicationProcessing } from '../../../src/emv/kernel/initiate.js';
import { CapkTable, performOfflineDataAuthentication, type OdaResult } from '../../../src/emv/kernel/oda/index.js';
import { readApplicationData } from '../../../src/emv/kernel/read-records.js';
import { buildChipCard, type EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { issuerMasterKeyFor } from '../../../hw-mocks/chip-card/issuer-keys.js';
import { issuerScriptTemplate, scriptCommandApdu, smiMasterKey, smiSessionKey, type ScriptCommand } from '../../../hw-mocks/chip-card/issuer-script.js';
import { arpc, issuerSessionKey, testCas } from '../../drivers/chip-card/harness.js';
import { testContext, testKernelConfig, TEST_UNPREDICTABLE_NUMBER } from './fixtures.js';

const APPROVED = '00';
const DECLINED = '05';

interface Online {
  readonly card: EmvChipCard;
  readonly ctx: KernelContext;
  readonly oda: OdaResult;
  readonly first: GenerateAcResult;
  /** The issuer's AC session key for this card and transaction. */
  readonly sessionKey: Buffer;
  readonly pan: string;
  readonly deckCard: string;
}

beforeAll(() => {
  testCas();
});

/** SELECT, then the kernel's own steps up to a first GENERATE AC asking for an ARQC. */
async function online(profile: string, aid: string, deckCard: string): Promise<Online> {
  const card = buildChipCard({ profile, ca: testCas() });
  card.powerOn();
  const config = testKernelConfig({ capks: testCas().map((ca) => ca.capk) });
  const terminalAid = config.aids.find((entry) => entry.aid.toString('hex').toUpperCase() === aid);
  const ctx = testContext((command) => Promise.resolve(card.transmit(command)), { config, ...(terminalAid === undefined ? {} : { aid: terminalAid }) });
  const select = await ctx.env.transmit(Buffer.from(`00A4040007${aid}00`, 'hex'));
  expect(select.subarray(-2).toString('hex')).toBe('9000');
  expect(await initiateApplicationProcessing(ctx, select.subarray(0, -2))).toBe('ok');
  const records = await readApplicationData(ctx);
  const oda = await performOfflineDataAuthentication(ctx, CapkTable.load(config.capks, []), records.staticDataToAuthenticate, records.odaRecordFormatError);
  const first = await generateAc(ctx, 'ARQC', 'first', oda);
  const pan = (ctx.data.get('5A') as Buffer).toString('hex').replace(/f+$/i, '');
  const psn = (ctx.data.get('5F34') as Buffer).toString('hex');
  const sessionKey = issuerSessionKey(deckCard, pan, psn, first.issuerApplicationData as Buffer, first.atc, TEST_UNPREDICTABLE_NUMBER);
  return { card, ctx, oda, first, sessionKey, pan, deckCard };
}

/** DE 55 of the host's answer: 91 = ARPC ‖ ARC, and any script templates. */
function hostAnswer(o: Online, arc: string, approved: boolean, scripts: Buffer[] = [], arpcOf = arc): { kind: 'answered'; arc: Buffer; approved: boolean; issuerTlv: Buffer } {
  const issuerAuthenticationData = arpc(o.sessionKey, o.first.cryptogram, arpcOf);
  const issuerTlv = Buffer.concat([Buffer.from([0x91, issuerAuthenticationData.length]), issuerAuthenticationData, ...scripts]);
  return { kind: 'answered', arc: Buffer.from(arc, 'latin1'), approved, issuerTlv };
}

describe('CDA and issuer authentication with the virtual card', () => {
  it.each([
    ['Visa-style CDA card: EXTERNAL AUTHENTICATE (AIP b3)', 'visa-cda', 'A0000000031010', 'visa-ok', ['odaPerformed', 'cardRiskManagementPerformed', 'issuerAuthenticationPerformed']],
    ['Mastercard-style CDA card: 91 through CDOL2', 'mastercard-cda', 'A0000000041010', 'mc-low-funds', ['odaPerformed', 'cardRiskManagementPerformed']],
  ])('%s: signed ARQC, issuer approves, signed TC → approved', async (_name, profile, aid, deckCard, tsi) => {
    const o = await online(profile, aid, deckCard);
    expect(o.oda.method).toBe('cda');
    expect(o.first).toMatchObject({ type: 'ARQC', cdaVerified: true });
    const completion: Completion = await completeOnlineTransaction(o.ctx, hostAnswer(o, APPROVED, true), o.oda);
    expect(completion.decision).toBe('approved');
    expect(completion.secondAc).toMatchObject({ type: 'TC', cdaVerified: true });
    expect(o.ctx.tvr.names()).toEqual([]);
    // the steps this test runs: ODA (CDA), card action analysis, issuer authentication when the AIP asks for EXTERNAL AUTHENTICATE
    expect(o.ctx.tsi.names()).toEqual(tsi);
  });

  it('an ARPC the card refuses: 6300, "issuer authentication failed", and the card declines', async () => {
    const o = await online('visa-cda', 'A0000000031010', 'visa-ok');
    const answer = hostAnswer(o, APPROVED, true);
    answer.issuerTlv[2] = (answer.issuerTlv[2] as number) ^ 0x01; // first ARPC byte
    const completion = await completeOnlineTransaction(o.ctx, answer, o.oda);
    expect(o.ctx.tvr.names()).toEqual(['issuerAuthenticationFailed']);
    expect(o.ctx.tsi.names()).toEqual(['odaPerformed', 'cardRiskManagementPerformed', 'issuerAuthenticationPerformed']);
    expect(completion.decision).toBe('declined');
    expect(completion.secondAc?.type).toBe('AAC');
  });

  it.each([
    ['Visa-style, AIP b3 (EXTERNAL AUTHENTICATE)', 'visa-cda', 'A0000000031010', 'visa-ok'],
    ['Mastercard-style, 91 through CDOL2', 'mastercard-cda', 'A0000000041010', 'mc-low-funds'],
  ])('%s: the issuer approves without 91 — no EXTERNAL AUTHENTICATE, issuer authentication neither performed nor failed', async (_name, profile, aid, deckCard) => {
    const o = await online(profile, aid, deckCard);
    const sent: string[] = [];
    const ctx: KernelContext = {
      ...o.ctx,
      env: {
        ...o.ctx.env,
        transmit: (command) => {
          sent.push(command.subarray(0, 2).toString('hex').toUpperCase());
          return o.ctx.env.transmit(command);
        },
      },
    };
    const completion = await completeOnlineTransaction(ctx, { kind: 'answered', arc: Buffer.from(APPROVED, 'latin1'), approved: true, issuerTlv: Buffer.alloc(0) }, o.oda);
    expect(sent).toEqual(['80AE']); // CLA INS: the second GENERATE AC only, no 00 82
    // these cards require issuer authentication for a TC online: the card declines (its call, Book 3 §10.9), the terminal sets no bit for it
    expect(completion.decision).toBe('declined');
    expect(completion.secondAc?.type).toBe('AAC');
    expect(o.ctx.tvr.names()).toEqual([]);
    expect(o.ctx.tsi.names()).toEqual(['odaPerformed', 'cardRiskManagementPerformed']);
  });

  it('the issuer declines: the terminal asks for an AAC and gets it', async () => {
    const o = await online('visa-cda', 'A0000000031010', 'visa-ok');
    const completion = await completeOnlineTransaction(o.ctx, hostAnswer(o, DECLINED, false), o.oda);
    expect(completion).toMatchObject({ decision: 'declined' });
    expect(completion.secondAc?.type).toBe('AAC');
    expect(completion.arc.toString('latin1')).toBe(DECLINED);
  });
});

describe('issuer scripts with the virtual card', () => {
  function issuerCommand(o: Online, command: ScriptCommand): Buffer {
    const mkSmi = smiMasterKey(issuerMasterKeyFor(o.deckCard), o.pan, '01');
    return scriptCommandApdu(smiSessionKey(mkSmi, o.first.cryptogram), command, o.first.atc, o.first.cryptogram);
  }

  it('PUT DATA in 71 before and APPLICATION BLOCK in 72 after the TC: both done, reported, and the card is blocked', async () => {
    const o = await online('visa-issuer-script', 'A0000000031010', 'visa-ok');
    const before = issuerScriptTemplate('71', Buffer.from('00000001', 'hex'), [issuerCommand(o, { kind: 'put-data', tag: '9F14', value: Buffer.from([0x05]) })]);
    const after = issuerScriptTemplate('72', Buffer.from('00000002', 'hex'), [issuerCommand(o, { kind: 'application-block' })]);
    const completion = await completeOnlineTransaction(o.ctx, hostAnswer(o, APPROVED, true, [before, after]), o.oda);
    expect(completion.decision).toBe('approved');
    expect(completion.scriptResults.toString('hex').toUpperCase()).toBe('2100000001' + '2100000002');
    expect(o.ctx.tvr.names()).toEqual(['odaNotPerformed']); // a card without ODA
    expect(o.ctx.tsi.names()).toEqual(['cardRiskManagementPerformed', 'issuerAuthenticationPerformed', 'scriptProcessingPerformed']);
    expect(o.card.application().blocked).toBe(true);
  });

  it('a command with a wrong MAC in 71: the card refuses it and the TVR the second GENERATE AC carries says so', async () => {
    const o = await online('visa-issuer-script', 'A0000000031010', 'visa-ok');
    const command = issuerCommand(o, { kind: 'application-block' });
    command[command.length - 1] = (command[command.length - 1] as number) ^ 0xff;
    const template = issuerScriptTemplate('71', Buffer.from('0000000A', 'hex'), [command]);
    const completion = await completeOnlineTransaction(o.ctx, hostAnswer(o, APPROVED, true, [template]), o.oda);
    expect(completion.scriptResults.toString('hex').toUpperCase()).toBe('110000000A');
    expect(o.ctx.tvr.names()).toEqual(['odaNotPerformed', 'scriptFailedBeforeFinalAc']);
    expect(o.ctx.tsi.names()).toEqual(['cardRiskManagementPerformed', 'issuerAuthenticationPerformed', 'scriptProcessingPerformed']);
    expect(o.card.application().blocked).toBe(false);
  });
});
