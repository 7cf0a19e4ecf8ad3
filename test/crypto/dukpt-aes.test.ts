import { describe, expect, it } from 'vitest';
import {
  deriveAesDukptKeys,
  deriveAesInitialKey,
  deriveAesTransactionKey,
  deriveAesWorkingKey,
} from '../../src/crypto/dukpt/aes.js';
import { cmac } from '../../src/crypto/mac/cmac.js';
import { decryptFormat4, encodeFormat4PinField, encryptFormat4 } from '../../src/crypto/pin-block/iso-4.js';
import { hex, loadVectors, toHexUpper } from './vectors.js';
import { thrown } from '../pos-error.js';

interface Row {
  ksn: string;
  transactionKey: string;
  pinKeyAes128?: string;
  encryptedPinBlockFormat4?: string;
  macGenerationKeyAes128?: string;
  dataEncryptionKeyAes128?: string;
  cmacRequest?: string;
  cmacResponse?: string;
}
interface Set {
  bdk: string;
  initialKeyId: string;
  initialKey: string;
  vectors: Row[];
}
const v = loadVectors<{ aes128: Set & { pin: string; pan: string; pinFieldFormat4: string; macDataAscii: string }; aes256: Set }>('crypto-dukpt-aes.json');

describe.each([
  ['AES-128 BDK', v.aes128],
  ['AES-256 BDK', v.aes256],
] as const)('AES DUKPT (ANSI X9.24-3 2017 supplement), %s', (_name, set) => {
  it('derives the initial key from BDK and initial key ID', () => {
    expect(toHexUpper(deriveAesInitialKey(hex(set.bdk), hex(set.initialKeyId)))).toBe(set.initialKey);
  });

  it.each(set.vectors.map((r) => [r.ksn, r] as const))('%s: transaction key', (_ksn, r) => {
    expect(toHexUpper(deriveAesTransactionKey(hex(set.initialKey), hex(r.ksn)))).toBe(r.transactionKey);
  });
});

describe('AES DUKPT working keys (AES-128 BDK)', () => {
  const set = v.aes128;
  const data = Buffer.from(set.macDataAscii, 'latin1');
  const rows = set.vectors.filter((r) => r.pinKeyAes128 !== undefined);

  it.each(rows.map((r) => [r.ksn, r] as const))('%s: PIN, MAC and data keys, format 4 PIN block both ways, CMACs', (_ksn, r) => {
    const ksn = hex(r.ksn);
    const pin = deriveAesDukptKeys(hex(set.bdk), ksn, 'pin', 'aes128');
    expect(toHexUpper(pin.initialKey)).toBe(set.initialKey);
    expect(toHexUpper(pin.transactionKey)).toBe(r.transactionKey);
    expect(toHexUpper(pin.derivedKey)).toBe(r.pinKeyAes128);
    const macGen = deriveAesWorkingKey(pin.transactionKey, ksn, 'mac-gen', 'aes128');
    const macVer = deriveAesWorkingKey(pin.transactionKey, ksn, 'mac-ver', 'aes128');
    expect(toHexUpper(macGen)).toBe(r.macGenerationKeyAes128);
    expect(toHexUpper(deriveAesWorkingKey(pin.transactionKey, ksn, 'data-enc', 'aes128'))).toBe(r.dataEncryptionKeyAes128);
    const field = encodeFormat4PinField(set.pin, set.pinFieldFormat4.slice(16));
    expect(toHexUpper(encryptFormat4(pin.derivedKey, field, set.pan))).toBe(r.encryptedPinBlockFormat4);
    expect(decryptFormat4(pin.derivedKey, hex(r.encryptedPinBlockFormat4!), set.pan)).toBe(set.pin);
    expect(toHexUpper(cmac('aes', macGen, data))).toBe(r.cmacRequest);
    expect(toHexUpper(cmac('aes', macVer, data))).toBe(r.cmacResponse);
  });

  it('derives TDES working keys of the lengths their type names', () => {
    const r = rows[0]!;
    const txn = hex(r.transactionKey);
    expect(deriveAesWorkingKey(txn, hex(r.ksn), 'pin', 'tdes2')).toHaveLength(16);
    expect(deriveAesWorkingKey(txn, hex(r.ksn), 'pin', 'tdes3')).toHaveLength(24);
    expect(deriveAesWorkingKey(txn, hex(r.ksn), 'pin', 'tdes2')).not.toEqual(deriveAesWorkingKey(txn, hex(r.ksn), 'pin', 'aes128'));
  });

  it('refuses a working key stronger than the derivation key', () => {
    const r = rows[0]!;
    const err = thrown(() => deriveAesWorkingKey(hex(r.transactionKey), hex(r.ksn), 'pin', 'aes256'));
    expect(err.code).toBe('DUKPT_KEY_TYPE_NOT_ALLOWED');
    expect(err.details).toEqual({ keyType: 'aes256', derivationKeyType: 'aes128' });
  });

  it.each([
    ['counter 0', '123456789012345600000000', { counter: 0, oneBits: 0 }],
    ['seventeen one-bits', '12345678901234560001FFFF', { counter: 0x1ffff, oneBits: 17 }],
  ])('refuses %s', (_n, ksn, details) => {
    const err = thrown(() => deriveAesTransactionKey(hex(set.initialKey), hex(ksn)));
    expect(err.code).toBe('DUKPT_COUNTER_INVALID');
    expect(err.details).toMatchObject(details);
  });

  it('refuses an unknown usage', () => {
    const r = rows[0]!;
    const err = thrown(() => deriveAesWorkingKey(hex(r.transactionKey), hex(r.ksn), 'cvv' as 'pin', 'aes128'));
    expect(err).toMatchObject({ code: 'CRYPTO_OPTION_INVALID', details: { what: 'AES DUKPT key usage', value: 'cvv' } });
  });
});
