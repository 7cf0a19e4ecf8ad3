import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerIso8583 } from '../../src/cli/commands/iso8583.js';
import { runPos, type CliRun } from '../cli/in-process.js';
import { dialectVector } from './dialect-vectors.js';

/** `pos iso8583 …` as main.ts runs it. */
function pos(...args: string[]): Promise<CliRun> {
  return runPos(registerIso8583, args);
}

const PAN = '4111111111111111';
const ascii = dialectVector('iso87ascii: 0200');
const binary = dialectVector('iso87binary: 0200');
const hexOf = (b: Buffer): string => b.toString('hex').toUpperCase();

/** The purchase exactly as `--json --unmasked` prints it. */
const PURCHASE_JSON = {
  mti: '0200',
  fields: {
    '2': PAN,
    '3': '000000',
    '4': '000000001234',
    '11': '000123',
    '22': '051',
    '25': '00',
    '32': '12345',
    '35': '4111111111111111=3012101',
    '41': 'T0000001',
    '49': '978',
    '52': '1234567890ABCDEF',
    '53': 'FFFF9876543210E00001',
    '55': '9F02060000000123455F2A020978',
  },
};

describe('pos iso8583 decode', () => {
  it('prints each field with its name, masked, and DE 55 as a TLV tree (default dialect iso87ascii)', async () => {
    const r = await pos('iso8583', 'decode', hexOf(ascii.bytes));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('MTI 0200');
    expect(r.stdout).toMatch(/^002 Primary account number \(PAN\) {2}411111\*{6}1111$/m);
    expect(r.stdout).toMatch(/^053 Security related control information \(DUKPT KSN\) {2}FFFF9876543210E00001$/m);
    expect(r.stdout).toMatch(/^055 ICC data \(EMV TLV\) {2}\[14 bytes\]$/m);
    expect(r.stdout).toMatch(/^ {4}9F02 Amount, Authorised \(Numeric\) \(6\)/m);
    expect(r.stdout).toMatch(/^ {4}5F2A Transaction Currency Code \(2\)/m);
    expect(r.stdout).not.toContain(PAN);
    expect(r.stdout).not.toContain('1234567890ABCDEF');
  });

  it.each([
    ['iso87ascii', ascii.bytes],
    ['iso87binary', binary.bytes],
  ])('--json prints exactly { mti, fields } for %s, masked by default', async (dialect, bytes) => {
    const r = await pos('iso8583', 'decode', hexOf(bytes), '--dialect', dialect, '--json');
    expect(JSON.parse(r.stdout)).toEqual({
      mti: '0200',
      fields: { ...PURCHASE_JSON.fields, '2': '411111******1111', '35': '411111******1111=*******', '52': '[8 bytes]', '55': '[14 bytes]' },
    });
  });

  it('--json --unmasked prints the clear values, binary fields as uppercase hex', async () => {
    const r = await pos('iso8583', 'decode', hexOf(binary.bytes), '--dialect', 'iso87binary', '--json', '--unmasked');
    expect(JSON.parse(r.stdout)).toEqual(PURCHASE_JSON);
  });

  it('accepts hex with spaces and lowercase', async () => {
    const spaced = hexOf(ascii.bytes).toLowerCase().replace(/(.{8})/g, '$1 ');
    const r = await pos('iso8583', 'decode', spaced, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ mti: '0200' });
  });

  it.each<[string, string[], RegExp, number]>([
    ['a truncated message', ['decode', hexOf(ascii.bytes.subarray(0, 30))], /^ISO8583_TRUNCATED: Field 2's content runs past the end of the message \(offset 22\)\n$/, 1],
    ['a letter in the PAN', ['decode', hexOf(Buffer.concat([ascii.bytes.subarray(0, 30), Buffer.from('X'), ascii.bytes.subarray(31)]))], /^ISO8583_FIELD_CHARSET: .* \(offset 30\)\n$/, 1],
    ['not hex', ['decode', 'zz'], /^HEX_INVALID: /, 1],
    ['an unknown dialect', ['decode', '30', '--dialect', 'iso93'], /^ISO8583_DIALECT_UNKNOWN: /, 2],
  ])('%s: one line CODE: message, no card data, exit %i', async (_what, args, line, code) => {
    const r = await pos('iso8583', ...args);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(line);
    expect(r.stderr).not.toContain(PAN.slice(0, 12));
    expect(r.stderr).not.toContain('    at ');
    expect(r.exitCode).toBe(code);
  });
});

describe('pos iso8583 encode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pos-iso8583-'));
  const file = join(dir, 'purchase.json');
  writeFileSync(file, JSON.stringify(PURCHASE_JSON));

  it.each([
    ['iso87ascii', ascii.bytes],
    ['iso87binary', binary.bytes],
  ])('reads the decode JSON and prints the %s message as hex', async (dialect, bytes) => {
    const r = await pos('iso8583', 'encode', file, '--dialect', dialect);
    expect(r.stdout).toBe(hexOf(bytes) + '\n');
    const j = await pos('iso8583', 'encode', file, '--dialect', dialect, '--json');
    expect(JSON.parse(j.stdout)).toEqual({ hex: hexOf(bytes) });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{', /^ISO8583_JSON_INVALID: Message JSON: the input is not valid JSON\n$/],
    ['a PAN of 20 digits', JSON.stringify({ mti: '0200', fields: { '2': PAN + '1234' } }), /^ISO8583_FIELD_TOO_LONG: Field 2 is 20 long; its maximum is 19 \(offset 20\)\n$/],
    ['binary DE 52 not in hex', JSON.stringify({ mti: '0200', fields: { '52': 'PINBLOCK' } }), /^ISO8583_JSON_INVALID: /],
    ['DE 1', JSON.stringify({ mti: '0200', fields: { '1': '00' } }), /^ISO8583_FIELD_UNKNOWN: /],
  ])('%s: one line CODE: message, exit 1', async (_what, text, line) => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, text);
    const r = await pos('iso8583', 'encode', bad);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(line);
    expect(r.stderr).not.toContain(PAN);
    expect(r.exitCode).toBe(1);
  });

  it('a missing file is a one-line error', async () => {
    const r = await pos('iso8583', 'encode', join(dir, 'none.json'));
    expect(r.stderr).toMatch(/^ISO8583_JSON_INVALID: Message JSON: cannot read the file \(ENOENT\)\n$/);
    expect(r.exitCode).toBe(1);
  });
});
