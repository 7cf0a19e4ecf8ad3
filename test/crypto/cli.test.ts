/**
 * `pos crypto` as the program parses and prints it (in this process, through
 * main.ts's own `runProgram`): exact JSON shapes, and bad input exiting 1 with
 * one line naming a PosError code and holding no key, PIN or PAN. The built
 * CLI as a process is checked in test/cli/spawned.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { arqcCommand } from '../../src/cli/actions/crypto.js';
import { registerCrypto } from '../../src/cli/commands/crypto.js';
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import { runCli } from '../cli/in-process.js';
import { thrown } from '../pos-error.js';

async function pos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(['crypto', ...args], [registerCrypto]);
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

async function json(...args: string[]): Promise<unknown> {
  const r = await pos(...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const BDK = '0123456789ABCDEFFEDCBA9876543210';
const AES_BDK = 'FEDCBA9876543210F1F1F1F1F1F1F1F1';
const KBPK_D = '88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6';
const BLOCK_D = 'D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34';

describe('pos crypto: JSON shapes (X9.24, X9.143, pyemv vectors)', () => {
  it('dukpt (TDES): every key, checked against X9.24-1 A.4 (E00001)', async () => {
    const out = (await json('dukpt', '--bdk', BDK, '--ksn', 'FFFF9876543210E00001')) as Record<string, string>;
    expect(Object.keys(out)).toEqual(['ipek', 'transactionKey', 'pinKey', 'macRequestKey', 'macResponseKey', 'dataRequestKey', 'dataResponseKey']);
    expect(out['ipek']).toBe('6AC292FAA1315B4D858AB3A3D7D5933A');
    expect(out['transactionKey']).toBe('042666B49184CFA368DE9628D0397BC9');
    expect(out['pinKey']).toBe('042666B49184CF5C68DE9628D0397B36');
    // The MAC keys give the published X9.19 MACs; the data-request key the published ciphertext.
    const data = Buffer.from('4012345678909D987', 'latin1');
    expect(await json('mac', '--alg', 'x9.19', '--key', out['macRequestKey']!, '--data', data.toString('hex'))).toEqual({ mac: '9CCC78173FC4FB64' });
    expect(await json('mac', '--alg', 'x9.19', '--key', out['macResponseKey']!, '--data', data.toString('hex'))).toEqual({ mac: '20364223C1FF00FA' });
    const padded = Buffer.concat([data, Buffer.alloc(7)]);
    expect(tdesCbc(Buffer.from(out['dataRequestKey']!, 'hex'), Buffer.alloc(8), padded).toString('hex').toUpperCase()).toBe('FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F');
    expect(out['dataResponseKey']).toMatch(/^[0-9A-F]{32}$/);
  });

  it('dukpt --aes', async () => {
    expect(await json('dukpt', '--aes', '--bdk', AES_BDK, '--ksn', '123456789012345600000001', '--usage', 'pin', '--key-type', 'aes128')).toEqual({
      initialKey: '1273671EA26AC29AFA4D1084127652A1',
      derivedKey: 'AF8CB133A78F8DC2D1359F18527593FB',
    });
  });

  it('pin-encrypt and pin-decrypt, format 0 under TDES DUKPT', async () => {
    expect(await json('pin-encrypt', '--format', '0', '--pin', '1234', '--pan', '4012345678909', '--bdk', BDK, '--ksn', 'FFFF9876543210E00001')).toEqual({
      pinBlock: '041274EDCBA9876F',
      encryptedPinBlock: '1B9C1845EB993A7A',
    });
    expect(await json('pin-decrypt', '--format', '0', '--pan', '4012345678909', '--block', '1B9C1845EB993A7A', '--bdk', BDK, '--ksn', 'FFFF9876543210E00001')).toEqual({ pin: '1234' });
  });

  it('pin-encrypt format 4 under AES DUKPT with given random bytes', async () => {
    expect(
      await json('pin-encrypt', '--format', '4', '--pin', '1234', '--pan', '4111111111111111', '--aes', '--bdk', AES_BDK, '--ksn', '123456789012345600000001', '--fill', '2F69ADDE2E9E7ACE'),
    ).toEqual({ pinBlock: '441234AAAAAAAAAA2F69ADDE2E9E7ACE', encryptedPinBlock: 'A912150391AB65A67E52883D81CE2D15' });
  });

  it('pin-encrypt format 3 with --key and --fill', async () => {
    expect(await json('pin-encrypt', '--format', '3', '--pin', '1234', '--pan', '5555555551234567', '--key', BDK, '--fill', 'FFFFFFFFFF')).toEqual({
      pinBlock: '341261AAAAEDCBA9',
      encryptedPinBlock: expect.stringMatching(/^[0-9A-F]{16}$/) as unknown,
    });
  });

  it.each([
    [['--alg', 'x9.19', '--key', '41414141414141414242424242424242', '--data', '68656C6C6F20776F726C64'], '3DDE5C5511661CBF'],
    [['--alg', 'iso9797-1-1', '--key', 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB', '--data', '68656C6C6F20776F726C64', '--padding', '2'], '32DC341271ACCD00'],
    [['--alg', 'cmac', '--key', '2B7E151628AED2A6ABF7158809CF4F3C', '--data', '6BC1BEE22E409F96E93D7E117393172A'], '070A16B46B4D4144F79BDD9DD04A287C'],
  ])('mac %j', async (args, mac) => {
    expect(await json('mac', ...args)).toEqual({ mac });
  });

  it('arqc and arpc', async () => {
    // pyemv test_derive_icc_mk_a_psn: option A forced on a 17-digit PAN (the default there would be B).
    const none = await json('arqc', '--imk', BDK, '--pan', '12345678901234567', '--psn', '45', '--option', 'A', '--atc', '1234', '--data', '0123456789ABCDEF0123456789ABCDEF', '--session', 'none');
    expect(none).toEqual({ cardMasterKey: '946DC1A8C78A624519BC4645CB073737', sessionKey: '946DC1A8C78A624519BC4645CB073737', arqc: expect.stringMatching(/^[0-9A-F]{16}$/) as unknown });
    // The default session method is the EMV common session key (R = ATC ‖ 0…0), so the key differs from the card key.
    const emv = (await json('arqc', '--imk', BDK, '--pan', '12345678901234567', '--psn', '45', '--option', 'A', '--atc', '1234', '--data', '0123456789ABCDEF0123456789ABCDEF')) as Record<string, string>;
    expect(Object.keys(emv)).toEqual(['cardMasterKey', 'sessionKey', 'arqc']);
    expect(emv['sessionKey']).not.toBe(emv['cardMasterKey']);
    expect(await json('arpc', '--key', '946DC1A8C78A624519BC4645CB073737', '--arqc', '19C1FBC83EBDC0D5', '--method', '1', '--arc', '0000')).toEqual({ arpc: '78A372523FA35A03' });
    expect(await json('arpc', '--key', '946DC1A8C78A624519BC4645CB073737', '--arqc', '19C1FBC83EBDC0D5', '--method', '2', '--csu', '00000000')).toEqual({ arpc: expect.stringMatching(/^[0-9A-F]{8}$/) as unknown });
  });

  it('kcv', async () => {
    expect(await json('kcv', '--key', '3F419E1CB7079442AA37474C2EFBF8B8', '--alg', 'aes')).toEqual({ kcv: '08793E25AB' });
    expect(await json('kcv', '--key', '3F419E1CB7079442AA37474C2EFBF8B8')).toEqual({ kcv: '57C409' });
  });

  it('tr31 unwrap and wrap', async () => {
    const fields = { versionId: 'D', keyUsage: 'P0', algorithm: 'A', modeOfUse: 'E', keyVersionNumber: '00', exportability: 'E', optionalBlocks: [] };
    expect(await json('tr31', 'unwrap', '--kbpk', KBPK_D, '--block', BLOCK_D)).toEqual({ ...fields, key: '3F419E1CB7079442AA37474C2EFBF8B8', kcv: '08793E25AB' });
    expect(await json('tr31', 'wrap', '--kbpk', KBPK_D, '--header', 'D0000P0AE00E0000', '--key', '3F419E1CB7079442AA37474C2EFBF8B8', '--padding', '1C2965473CE206BB855B01533782')).toEqual({ keyBlock: BLOCK_D, ...fields });
  });

  it('prints readable lines without --json', async () => {
    const r = await pos('kcv', '--key', '3F419E1CB7079442AA37474C2EFBF8B8');
    expect(r).toEqual({ code: 0, stdout: 'kcv: 57C409\n', stderr: '' });
  });
});

/** 24 bytes that are neither the length an IMK or BDK needs nor of odd parity (0x22 has even parity). */
const IMK_24_EVEN_PARITY = '22'.repeat(24);

describe('pos crypto arqc: the IMK length is checked before its parity', () => {
  const flags = { pan: '5413330089600010', psn: '00', atc: '0001', data: '00' };

  it('a 24-byte IMK is a key length error naming the flag', () => {
    const err = thrown(() => arqcCommand({ ...flags, imk: IMK_24_EVEN_PARITY }));
    expect(err).toMatchObject({ code: 'CRYPTO_KEY_LENGTH', details: { what: '--imk', lengthBytes: 24, expected: [16] } });
  });

  it('a 16-byte IMK with even-parity bytes is still a parity error', () => {
    const err = thrown(() => arqcCommand({ ...flags, imk: '0023456789ABCDEFFEDCBA9876543210' }));
    expect(err).toMatchObject({ code: 'CRYPTO_KEY_PARITY', details: { what: '--imk', bytes: [0] } });
  });
});

describe('pos crypto: bad input exits 1 with one PosError line and no secret', () => {
  it.each([
    ['bad hex', ['dukpt', '--bdk', '0123456789ABCDEFFEDCBA987654321G', '--ksn', 'FFFF9876543210E00001'], 'HEX_INVALID', '0123456789ABCDEF'],
    ['short BDK', ['dukpt', '--bdk', '0123456789ABCDEFFEDCBA98765432', '--ksn', 'FFFF9876543210E00001'], 'CRYPTO_KEY_LENGTH', '0123456789ABCDEF'],
    ['bad parity', ['dukpt', '--bdk', '0023456789ABCDEFFEDCBA9876543210', '--ksn', 'FFFF9876543210E00001'], 'CRYPTO_KEY_PARITY', '0023456789ABCDEF'],
    ['24-byte IMK with parity errors', ['arqc', '--imk', IMK_24_EVEN_PARITY, '--pan', '5413330089600010', '--psn', '00', '--atc', '0001', '--data', '00'], 'CRYPTO_KEY_LENGTH', IMK_24_EVEN_PARITY.slice(0, 16)],
    ['24-byte BDK with parity errors', ['dukpt', '--bdk', IMK_24_EVEN_PARITY, '--ksn', 'FFFF9876543210E00001'], 'CRYPTO_KEY_LENGTH', IMK_24_EVEN_PARITY.slice(0, 16)],
    ['short KSN', ['dukpt', '--bdk', BDK, '--ksn', 'FFFF9876543210E0'], 'CRYPTO_INPUT_LENGTH', BDK],
    ['PIN too short', ['pin-encrypt', '--format', '0', '--pin', '123', '--pan', '4012345678909', '--key', BDK], 'PIN_INVALID', '4012345678909'],
    ['PIN too long', ['pin-encrypt', '--format', '0', '--pin', '1234567890123', '--pan', '4012345678909', '--key', BDK], 'PIN_INVALID', '1234567890123'],
    ['unknown format', ['pin-encrypt', '--format', '2', '--pin', '1234', '--pan', '4012345678909', '--key', BDK], 'CRYPTO_OPTION_INVALID', BDK],
    ['wrong key for the block', ['pin-decrypt', '--format', '0', '--pan', '4012345678909', '--block', '1B9C1845EB993A7A', '--key', BDK], 'PIN_BLOCK_INVALID', '4012345678909'],
    ['missing KSN', ['dukpt', '--bdk', BDK], 'CRYPTO_OPTION_INVALID', BDK],
    ['tampered key block', ['tr31', 'unwrap', '--kbpk', KBPK_D, '--block', BLOCK_D.slice(0, -1) + '5'], 'TR31_MAC_MISMATCH', '3F419E1C'],
    ['AES working key stronger than BDK', ['dukpt', '--aes', '--bdk', AES_BDK, '--ksn', '123456789012345600000001', '--usage', 'pin', '--key-type', 'aes256'], 'DUKPT_KEY_TYPE_NOT_ALLOWED', AES_BDK],
  ])('%s', async (_name, args, code, secret) => {
    const r = await pos(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${code}: `));
    expect(r.stderr).not.toContain(secret);
    expect(r.stderr).not.toMatch(/\bat .*\.[jt]s:\d+/);
  });
});
