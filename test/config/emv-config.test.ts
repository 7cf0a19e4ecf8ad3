import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { isPosError, type PosError } from '../../src/util/errors.js';

const base = { devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } };

function refusal(emv: unknown): PosError {
  try {
    parseConfig({ ...base, emv });
  } catch (error) {
    if (isPosError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('the emv config section', () => {
  it('defaults to a terminal that claims no offline PIN and accepts the common AIDs online only', () => {
    const { emv } = parseConfig(base);
    expect(emv.terminal.capabilities).toBe('E068C8');
    expect(emv.aids.map((a) => a.aid)).toEqual(['A0000000031010', 'A0000000032010', 'A0000000041010', 'A0000000043060']);
    expect(emv.aids.every((a) => a.floorLimit === 0)).toBe(true);
    expect(emv.capkSets).toEqual([]);
  });

  it.each([
    ['a 9F33 that claims plaintext offline PIN', { terminal: { capabilities: 'E0E8C8' } }, 'emv.terminal.capabilities', 'offline PIN'],
    ['a 9F33 that claims enciphered offline PIN', { terminal: { capabilities: 'E078C8' } }, 'emv.terminal.capabilities', 'offline PIN'],
    ['an AID of 4 bytes', { aids: [{ aid: 'A0000000', applicationVersion: '0096', tac: { default: '0000000000', denial: '0000000000', online: '0000000000' } }] }, 'emv.aids.0.aid', '5 to 16 bytes'],
    ['a TAC that is not hex', { aids: [{ aid: 'A0000000031010', applicationVersion: '0096', tac: { default: 'XX00000000', denial: '0000000000', online: '0000000000' } }] }, 'emv.aids.0.tac.default', 'hex'],
    ['a CA key with exponent 5', { capks: [{ rid: 'A000000003', index: 0x92, modulus: '00'.repeat(176), exponent: '05', expiry: '2030-12-31', checksum: '00'.repeat(20) }] }, 'emv.capks.0.exponent', ''],
  ])('refuses %s, naming the entry', (_name, emv, field, words) => {
    const error = refusal(emv);
    expect(error.details['fields']).toContain(field);
    expect(error.message).toContain(words);
  });

  it('refuses an AID listed twice', () => {
    const aid = { aid: 'A0000000031010', applicationVersion: '0096', tac: { default: '0000000000', denial: '0000000000', online: '0000000000' } };
    expect(refusal({ aids: [aid, aid] }).message).toContain('aid A0000000031010 is listed twice');
  });

  it('gives every AID contactless limits for a reader with its own kernel: 100.00, CVM from 50.00, the contact floor limit', () => {
    const { emv } = parseConfig(base);
    expect(emv.aids.map((a) => a.contactless)).toEqual(Array(4).fill({ enabled: true, transactionLimit: 10_000, cvmRequiredLimit: 5_000 }));
    const aid = { aid: 'A0000000031010', applicationVersion: '0096', tac: { default: '0000000000', denial: '0000000000', online: '0000000000' } };
    const set = parseConfig({ ...base, emv: { aids: [{ ...aid, contactless: { transactionLimit: 25_000, floorLimit: 3_000 } }] } });
    expect(set.emv.aids[0]?.contactless).toEqual({ enabled: true, transactionLimit: 25_000, cvmRequiredLimit: 5_000, floorLimit: 3_000 });
  });

  it.each([
    ['a contactless floor limit above the transaction limit', { floorLimit: 20_000, transactionLimit: 10_000 }, 'emv.aids.0.contactless', 'must not exceed'],
    ['a transaction limit beyond n12', { transactionLimit: 1_000_000_000_000 }, 'emv.aids.0.contactless.transactionLimit', ''],
    ['a negative CVM limit', { cvmRequiredLimit: -1 }, 'emv.aids.0.contactless.cvmRequiredLimit', ''],
    ['an unknown contactless key', { limit: 5 }, 'emv.aids.0.contactless', ''],
  ])('refuses %s', (_name, contactless, field, words) => {
    const aid = { aid: 'A0000000031010', applicationVersion: '0096', tac: { default: '0000000000', denial: '0000000000', online: '0000000000' }, contactless };
    const error = refusal({ aids: [aid] });
    expect(error.details['fields']).toContain(field);
    expect(error.message).toContain(words);
  });

  it('refuses random selection above the floor limit', () => {
    const aid = { aid: 'A0000000031010', applicationVersion: '0096', tac: { default: '0000000000', denial: '0000000000', online: '0000000000' }, floorLimit: 1000, randomSelection: { threshold: 2000, targetPercent: 10, maxTargetPercent: 50 } };
    expect(refusal({ aids: [aid] }).message).toContain('threshold must not exceed floorLimit');
  });
});
