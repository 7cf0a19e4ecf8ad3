import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import {
  deriveTdesDukptKeys,
  deriveTdesIpek,
  deriveTdesKeyFromBdk,
  deriveTdesTransactionKey,
  tdesWorkingKey,
} from '../../src/crypto/dukpt/tdes.js';
import { tdesCounter, withTdesCounter } from '../../src/crypto/dukpt/tdes-ksn.js';
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { macX919, verifyX919 } from '../../src/crypto/mac/iso9797.js';
import { decryptPinBlock, encryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import { hex, loadVectors, toHexUpper } from './vectors.js';
import { thrown } from '../pos-error.js';

interface TdesRow {
  section: string;
  ksn: string;
  transactionKey: string;
  encryptedPinBlock: string;
  pinKey?: string;
  requestMac8?: string;
  responseMac8?: string;
  requestMac4?: string;
  responseMac4?: string;
  encryptedRequestData?: string;
}
const v = loadVectors<{
  bdk: string;
  initialKsn: string;
  ipek: string;
  pin: string;
  pan: string;
  clearPinBlock: string;
  macDataAscii: string;
  vectors: TdesRow[];
}>('crypto-dukpt-tdes.json');
const bdk = hex(v.bdk);
const ipek = hex(v.ipek);
const macData = Buffer.from(v.macDataAscii, 'latin1');

describe('TDES DUKPT (ANSI X9.24-1 2009, A.4 test data)', () => {
  it('derives the initial key from BDK and initial KSN (A.6)', () => {
    expect(toHexUpper(deriveTdesIpek(bdk, hex(v.initialKsn)))).toBe(v.ipek);
  });

  it('ignores the counter bits when deriving the IPEK', () => {
    expect(toHexUpper(deriveTdesIpek(bdk, hex('FFFF9876543210E00008')))).toBe(v.ipek);
  });

  it.each(v.vectors.map((r) => [`${r.section} ${r.ksn}`, r] as const))('%s: transaction key and encrypted PIN block', (_name, r) => {
    const ksn = hex(r.ksn);
    const key = deriveTdesTransactionKey(ipek, ksn);
    expect(toHexUpper(key)).toBe(r.transactionKey);
    const pinKey = tdesWorkingKey(key, 'pin');
    // Encrypt direction: clear PIN block → published EPB.
    expect(toHexUpper(encryptPinBlock(pinKey, { format: 0, pin: v.pin, pan: v.pan }))).toBe(r.encryptedPinBlock);
    // Decrypt direction: published EPB → PIN, as the host does.
    expect(decryptPinBlock(pinKey, hex(r.encryptedPinBlock), 0, v.pan)).toBe(v.pin);
    if (r.pinKey) expect(toHexUpper(pinKey)).toBe(r.pinKey);
  });

  const withMacs = v.vectors.filter((r) => r.requestMac4 !== undefined);
  it.each(withMacs.map((r) => [r.ksn, r] as const))('%s: X9.19 MACs under the request/response MAC keys', (_ksn, r) => {
    const keys = deriveTdesDukptKeys(bdk, hex(r.ksn));
    const request = macX919(keys.macRequestKey, macData);
    const response = macX919(keys.macResponseKey, macData);
    expect(toHexUpper(request).slice(0, 8)).toBe(r.requestMac4);
    expect(toHexUpper(response).slice(0, 8)).toBe(r.responseMac4);
    if (r.requestMac8) expect(toHexUpper(request)).toBe(r.requestMac8);
    if (r.responseMac8) expect(toHexUpper(response)).toBe(r.responseMac8);
    expect(verifyX919(keys.macRequestKey, macData, hex(r.requestMac4!))).toBe(true);
    expect(verifyX919(keys.macResponseKey, macData, hex(r.requestMac4!))).toBe(false);
  });

  it.each(withMacs.map((r) => [r.ksn, r] as const))('%s: request data under the data-request key (variant + one-way step)', (_ksn, r) => {
    const keys = deriveTdesDukptKeys(bdk, hex(r.ksn));
    const padded = Buffer.concat([macData, Buffer.alloc(24 - macData.length)]);
    const encrypted = tdesCbc(keys.dataRequestKey, Buffer.alloc(8), padded);
    expect(toHexUpper(encrypted)).toBe(r.encryptedRequestData);
    expect(tdesCbc(keys.dataRequestKey, Buffer.alloc(8), hex(r.encryptedRequestData!), 'decrypt')).toEqual(padded);
  });

  it('gives the host one call from BDK and KSN to a working key', () => {
    const r = v.vectors[0]!;
    expect(toHexUpper(deriveTdesKeyFromBdk(bdk, hex(r.ksn), 'pin'))).toBe(r.pinKey);
  });

  it.each([
    ['counter 0', 'FFFF9876543210E00000', { counter: 0, oneBits: 0 }],
    ['eleven one-bits', 'FFFF9876543210E007FF', { counter: 0x7ff, oneBits: 11 }],
  ])('refuses a KSN whose counter no originator uses: %s', (_name, ksn, details) => {
    const err = thrown(() => deriveTdesTransactionKey(ipek, hex(ksn)));
    expect(err.code).toBe('DUKPT_COUNTER_INVALID');
    expect(err.details).toMatchObject(details);
  });

  it.each([
    ['BDK', () => deriveTdesIpek(hex('0123'), hex(v.initialKsn)), 'CRYPTO_KEY_LENGTH', { what: 'BDK', lengthBytes: 2 }],
    ['KSN', () => deriveTdesIpek(bdk, hex('FFFF98')), 'CRYPTO_INPUT_LENGTH', { what: 'KSN', lengthBytes: 3 }],
  ])('refuses a %s of the wrong length', (_name, fn, code, details) => {
    const err = thrown(fn);
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
  });
});

describe('TDES DUKPT originator (future key registers) against the host derivation', () => {
  it('agrees with the host for the first 2,000 transactions', () => {
    const originator = new TdesDukptOriginator(ipek, hex(v.initialKsn));
    let previous = 0;
    for (let i = 0; i < 2000; i++) {
      const t = originator.nextTransaction();
      expect(t.counter).toBeGreaterThan(previous);
      previous = t.counter;
      expect(tdesCounter(t.ksn)).toBe(t.counter);
      expect(t.transactionKey).toEqual(deriveTdesTransactionKey(ipek, t.ksn));
    }
  });

  it('reproduces the published KSN sequence and keys from the start', () => {
    const originator = new TdesDukptOriginator(ipek, hex(v.initialKsn));
    for (const r of v.vectors.filter((x) => x.section.includes('initial'))) {
      const t = originator.nextTransaction();
      expect(toHexUpper(t.ksn)).toBe(r.ksn);
      expect(toHexUpper(t.transactionKey)).toBe(r.transactionKey);
    }
  });

  it('reproduces the published rollover sequence, skipping counters with more than ten one-bits', () => {
    const rollover = v.vectors.filter((x) => x.section.includes('rollover'));
    const originator = new TdesDukptOriginator(ipek, hex(v.initialKsn), tdesCounter(hex(rollover[0]!.ksn)));
    for (const r of rollover) {
      const t = originator.nextTransaction();
      expect(toHexUpper(t.ksn)).toBe(r.ksn);
      expect(toHexUpper(t.transactionKey)).toBe(r.transactionKey);
    }
  });

  it('never uses a counter with more than ten one-bits, and agrees with the host, near the end of the counter', () => {
    const start = 0x1ff000; // nine one-bits: one more transaction, then every next counter has ten
    const originator = new TdesDukptOriginator(ipek, hex(v.initialKsn), start);
    const seen: number[] = [];
    while (!originator.exhausted) {
      const t = originator.nextTransaction();
      seen.push(t.counter);
      expect(t.transactionKey).toEqual(deriveTdesTransactionKey(ipek, t.ksn));
    }
    // 1FF000, 1FF001, then 1FF000 + 2^k for k = 1…11; 1FF800 + 800 overflows 21 bits.
    expect(seen).toEqual([start, start + 1, ...Array.from({ length: 11 }, (_, k) => start + (2 << k))]);
    expect(seen.every((c) => c.toString(2).replace(/0/g, '').length <= 10)).toBe(true);
    const err = thrown(() => originator.nextTransaction());
    expect(err.code).toBe('DUKPT_EXHAUSTED');
    expect(err.details).toEqual({ counterBits: 21 });
  });

  it('matches the host at random resume points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x1fffff }), (raw) => {
        // Reduce to a counter an originator can hold: keep the ten highest one-bits.
        let counter = 0;
        for (let bit = 1 << 20, kept = 0; bit !== 0 && kept < 10; bit >>>= 1) {
          if (raw & bit) {
            counter |= bit;
            kept++;
          }
        }
        const originator = new TdesDukptOriginator(ipek, hex(v.initialKsn), counter);
        for (let i = 0; i < 3 && !originator.exhausted; i++) {
          const t = originator.nextTransaction();
          expect(t.transactionKey).toEqual(deriveTdesTransactionKey(ipek, withTdesCounter(hex(v.initialKsn), t.counter)));
        }
      }),
      { numRuns: 50 },
    );
  });
});
