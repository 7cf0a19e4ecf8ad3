/**
 * The CA public key table (EMV 4.4 Book 2 §11, §5.2, §6.2) and the lab set
 * of published scheme test keys: every entry checked at load, found by RID
 * and index until its last day, the revocation list of §5.3 step 10.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Capk, RevokedCertificate } from '../../../src/emv/kernel/config.js';
import { CAPK_LAB_SETS, CapkTable, capkChecksum } from '../../../src/emv/kernel/oda/index.js';
import { isPosError, type PosError } from '../../../src/util/errors.js';
import { chain, hex, RID } from './oda-fixtures.js';

function refusal(load: () => unknown): PosError {
  try {
    load();
  } catch (error) {
    if (isPosError(error)) return error;
    throw error;
  }
  throw new Error('expected the table to refuse');
}

/** A CAPK with a correct checksum for whatever fields it is given. */
function capk(overrides: Partial<Capk> = {}): Capk {
  const base = { ...chain().ca.capk, ...overrides };
  return { ...base, checksum: overrides.checksum ?? capkChecksum(base.rid, base.index, base.modulus, base.exponent) };
}

describe('the lab set of scheme test CA public keys', () => {
  const labSet = CAPK_LAB_SETS['emv-test'];

  it('loads: every published checksum is SHA-1(RID ‖ index ‖ modulus ‖ exponent)', () => {
    const table = CapkTable.load(labSet, []);
    expect(table.size).toBe(labSet.length);
    for (const entry of labSet) {
      const expected = createHash('sha1').update(Buffer.concat([entry.rid, Buffer.from([entry.index]), entry.modulus, entry.exponent])).digest();
      expect(entry.checksum, `${entry.rid.toString('hex')} ${entry.index.toString(16)}`).toEqual(expected);
    }
  });

  it('holds the Visa (A000000003) and Mastercard (A000000004) test indexes, each citing a public source', () => {
    const names = labSet.map((entry) => `${entry.scheme} ${entry.rid.toString('hex').toUpperCase()} ${entry.index.toString(16).toUpperCase()}`);
    expect(names).toEqual([
      'Visa A000000003 92',
      'Visa A000000003 94',
      'Visa A000000003 95',
      'Visa A000000003 99',
      'Mastercard A000000004 EF',
      'Mastercard A000000004 F1',
      'Mastercard A000000004 F3',
      'Mastercard A000000004 F5',
      'Mastercard A000000004 F8',
      'Mastercard A000000004 FA',
      'Mastercard A000000004 FE',
    ]);
    for (const entry of labSet) expect(entry.sources.length).toBeGreaterThan(0);
  });

  it('has key sizes from 1024 to 1984 bits, exponent 3 except Mastercard F5 (65537)', () => {
    for (const entry of labSet) {
      expect(entry.modulus.length * 8).toBeGreaterThanOrEqual(1024);
      expect(entry.modulus.length * 8).toBeLessThanOrEqual(1984);
      expect(entry.exponent.toString('hex')).toBe(entry.index === 0xf5 ? '010001' : '03');
    }
  });

  it('refuses a lab key with one byte of its modulus changed', () => {
    const [first] = labSet;
    if (first === undefined) throw new Error('empty lab set');
    const modulus = Buffer.from(first.modulus);
    modulus[10] = (modulus[10] as number) ^ 0x01;
    const error = refusal(() => CapkTable.load([{ ...first, modulus }], []));
    expect(error.code).toBe('EMV_CAPK_INVALID');
    expect(error.details).toMatchObject({ rid: 'A000000003', index: 0x92, reason: 'checksum' });
  });
});

describe('CapkTable.load refuses a bad entry, naming its RID and index', () => {
  const good = (): Capk => capk();
  it.each<[string, () => Capk, string]>([
    ['a checksum that does not match', () => ({ ...good(), checksum: Buffer.alloc(20, 0x11) }), 'checksum'],
    ['a checksum that is not 20 bytes', () => ({ ...good(), checksum: Buffer.alloc(16) }), 'checksum'],
    ['a RID that is not 5 bytes', () => capk({ rid: hex('A0000000') }), 'rid'],
    ['an index that is not one byte', () => capk({ index: 256 }), 'index'],
    ['a modulus below 512 bits', () => capk({ modulus: Buffer.alloc(48, 0xc1) }), 'modulus'],
    ['a modulus above 1984 bits', () => capk({ modulus: Buffer.alloc(249, 0xc1) }), 'modulus'],
    ['a modulus with a leading zero byte', () => capk({ modulus: Buffer.concat([Buffer.alloc(1), good().modulus.subarray(1)]) }), 'modulus'],
    ['an exponent other than 3 or 65537', () => capk({ exponent: hex('05') }), 'exponent'],
    ['an expiry that is no date', () => capk({ expiry: '2029-02-30' }), 'expiry'],
    ['an expiry in another format', () => capk({ expiry: '291231' }), 'expiry'],
  ])('%s', (_name, make, reason) => {
    const entry = make();
    const error = refusal(() => CapkTable.load([capk({ index: 0x01 }), entry], []));
    expect(error.code).toBe('EMV_CAPK_INVALID');
    expect(error.details).toMatchObject({ entry: 1, rid: entry.rid.toString('hex').toUpperCase(), index: entry.index, reason });
  });

  it('refuses the same RID and index twice', () => {
    const error = refusal(() => CapkTable.load([good(), good()], []));
    expect(error.code).toBe('EMV_CAPK_INVALID');
    expect(error.details).toMatchObject({ entry: 1, reason: 'duplicate' });
  });

  it.each<[string, Partial<RevokedCertificate>, string]>([
    ['a RID that is not 5 bytes', { rid: hex('A000000003FF') }, 'rid'],
    ['an index that is not one byte', { capkIndex: -1 }, 'index'],
    ['a serial number that is not 3 bytes', { serial: hex('0102') }, 'serial'],
  ])('refuses a revocation entry with %s', (_name, overrides, reason) => {
    const entry: RevokedCertificate = { rid: RID, capkIndex: 0x92, serial: hex('000001'), ...overrides };
    const error = refusal(() => CapkTable.load([], [entry]));
    expect(error.code).toBe('EMV_CAPK_REVOCATION_INVALID');
    expect(error.details).toMatchObject({ entry: 0, reason });
  });
});

describe('CapkTable.find and isRevoked', () => {
  const entry = capk({ expiry: '2026-03-15' });
  const table = CapkTable.load([entry], [{ rid: RID, capkIndex: entry.index, serial: hex('0000A1') }]);

  it('finds a key by RID and index up to and including its last day (UTC)', () => {
    expect(table.find(RID, entry.index, new Date('2026-03-15T23:59:59Z'))?.modulus).toEqual(entry.modulus);
  });

  it('does not give a key the day after its last day', () => {
    expect(table.find(RID, entry.index, new Date('2026-03-16T00:00:00Z'))).toBeUndefined();
  });

  it('does not give a key of another index or RID', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(table.find(RID, entry.index ^ 1, now)).toBeUndefined();
    expect(table.find(hex('A000000004'), entry.index, now)).toBeUndefined();
  });

  it('says whether RID ‖ index ‖ serial is revoked', () => {
    expect(table.isRevoked(RID, entry.index, hex('0000A1'))).toBe(true);
    expect(table.isRevoked(RID, entry.index, hex('0000A2'))).toBe(false);
    expect(table.isRevoked(hex('A000000004'), entry.index, hex('0000A1'))).toBe(false);
  });

  it('keeps its own copy of what it loaded', () => {
    const input = capk({ index: 0x07, modulus: Buffer.from(chain().ca.capk.modulus) });
    const copy = CapkTable.load([input], []);
    const modulus = Buffer.from(input.modulus);
    input.modulus.fill(0);
    expect(copy.find(RID, 0x07, new Date('2026-01-01T00:00:00Z'))?.modulus).toEqual(modulus);
  });
});
