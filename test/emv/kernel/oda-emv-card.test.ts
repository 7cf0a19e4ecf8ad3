/**
 * Offline data authentication against the APDU-level virtual cards
 * (`hw-mocks/chip-card/`, personalised from JSON profiles with certificates
 * from the simulation CA), after the kernel's own GPO and READ RECORD: the
 * static data the records give is what the issuer signed, and each card's
 * method verifies — or, for the card with a bad issuer certificate, fails
 * with "DDA failed" and the transaction goes on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import { initiateApplicationProcessing } from '../../../src/emv/kernel/initiate.js';
import { CapkTable, performOfflineDataAuthentication, type OdaResult } from '../../../src/emv/kernel/oda/index.js';
import { readApplicationData } from '../../../src/emv/kernel/read-records.js';
import { buildChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { testCas } from '../../drivers/chip-card/harness.js';
import { testContext, testKernelConfig } from './fixtures.js';

beforeAll(() => {
  testCas();
});

/** SELECT, GPO and READ RECORD as the kernel does them, then ODA with the CA keys given. */
async function authenticate(profile: string, aid: string, capks: CapkTable = CapkTable.load(testCas().map((ca) => ca.capk), [])): Promise<{ oda: OdaResult; ctx: KernelContext; commands: string[] }> {
  const card = buildChipCard({ profile, ca: testCas() });
  card.powerOn();
  const commands: string[] = [];
  const config = testKernelConfig();
  const terminalAid = config.aids.find((entry) => entry.aid.toString('hex').toUpperCase() === aid);
  const ctx = testContext(
    (command) => {
      commands.push(command.subarray(0, 2).toString('hex').toUpperCase());
      return Promise.resolve(card.transmit(command));
    },
    { config, ...(terminalAid === undefined ? {} : { aid: terminalAid }) },
  );
  const select = await ctx.env.transmit(Buffer.from(`00A40400${(aid.length / 2).toString(16).padStart(2, '0')}${aid}00`, 'hex'));
  expect(select.subarray(-2).toString('hex')).toBe('9000');
  expect(await initiateApplicationProcessing(ctx, select.subarray(0, -2))).toBe('ok');
  const records = await readApplicationData(ctx);
  commands.length = 0;
  const oda = await performOfflineDataAuthentication(ctx, capks, records.staticDataToAuthenticate, records.odaRecordFormatError);
  return { oda, ctx, commands };
}

describe('ODA with the virtual cards', () => {
  it('visa-sda: SDA verifies over the records and the AIP (9F4A = 82)', async () => {
    const { oda, ctx, commands } = await authenticate('visa-sda', 'A0000000031010');
    expect(oda).toEqual({ method: 'sda' });
    expect(ctx.tvr.names()).toEqual(['sdaSelected']);
    expect(ctx.tsi.names()).toEqual(['odaPerformed']);
    expect(ctx.data.get('9F45')?.length).toBe(2);
    expect(commands).toEqual([]);
  });

  it('visa-dda: DDA verifies the card’s INTERNAL AUTHENTICATE answer and keeps 9F4C', async () => {
    const { oda, ctx, commands } = await authenticate('visa-dda', 'A0000000031010');
    expect(oda).toEqual({ method: 'dda' });
    expect(ctx.tvr.names()).toEqual([]);
    expect(ctx.tsi.names()).toEqual(['odaPerformed']);
    expect(commands).toEqual(['0088']);
    expect(ctx.data.get('9F4C')?.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['visa-cda', 'A0000000031010'],
    ['mastercard-cda', 'A0000000041010'],
  ])('%s: CDA recovers the ICC key, nothing sent yet', async (profile, aid) => {
    const { oda, ctx, commands } = await authenticate(profile, aid);
    expect(oda.method).toBe('cda');
    expect(oda.iccKey?.modulus.length).toBeGreaterThan(0);
    expect(ctx.tvr.names()).toEqual([]);
    expect(commands).toEqual([]);
  });

  it('visa-bad-issuer-certificate: "DDA failed" at the issuer certificate’s hash, no INTERNAL AUTHENTICATE', async () => {
    const { oda, ctx, commands } = await authenticate('visa-bad-issuer-certificate', 'A0000000031010');
    expect(oda).toEqual({ method: 'dda', failure: 'hash' });
    expect(ctx.tvr.names()).toEqual(['ddaFailed']);
    expect(ctx.tsi.names()).toEqual(['odaPerformed']);
    expect(commands).toEqual([]);
  });

  it('a terminal without the card’s CA key: "DDA failed", not "ICC data missing"', async () => {
    const { oda, ctx } = await authenticate('visa-dda', 'A0000000031010', CapkTable.load([], []));
    expect(oda).toEqual({ method: 'dda', failure: 'capk-missing' });
    expect(ctx.tvr.names()).toEqual(['ddaFailed']);
  });
});
