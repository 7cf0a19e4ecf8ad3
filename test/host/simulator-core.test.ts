import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { DEFAULT_KEYS_PATH, loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { keyCheckValue } from '../../src/crypto/keys/kcv.js';
import { checkMac } from '../../src/host/messages/mac.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { toHex } from '../../src/util/hex.js';
import { thrown } from '../pos-error.js';
import { encodeFinancialRequest } from '../../src/host/messages/financial.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { cardOf, nextStan } from './helpers.js';
import { pinPad } from './issuer-fixtures.js';

const KEYS = loadSimulationKeys();
const NOW = new Date(2026, 5, 15, 12, 0, 0);

describe('simulation keys', () => {
  it.each<[string, Buffer, 'tdes' | 'aes', string]>([
    ['TAK', KEYS.tak, 'tdes', KEYS.file.terminal.tak.kcv],
    ['KEK', KEYS.kek, 'tdes', KEYS.file.terminal.kek.kcv],
    ['TDES BDK', KEYS.tdesBdk, 'tdes', KEYS.file.dukpt.tdesBdk.kcv],
    ['AES BDK', KEYS.aesBdk, 'aes', KEYS.file.dukpt.aesBdk.kcv],
  ])('the %s matches its recorded KCV (%s)', (_what, key, algorithm, kcv) => {
    expect(toHex(keyCheckValue(key, algorithm))).toBe(kcv);
  });

  it('holds an issuer master key for every deck card', () => {
    expect(Object.keys(KEYS.file.issuerMasterKeys).sort()).toEqual(
      ['amex-silent-issuer', 'discover-atm-only', 'mc-damaged', 'mc-low-funds', 'visa-bad-luhn', 'visa-expired', 'visa-ok', 'visa-unknown'].sort(),
    );
    expect(KEYS.issuerMasterKey('visa-ok')).toHaveLength(16);
  });

  it('refuses a file whose KCV does not match, naming the key and not printing it', () => {
    const file = JSON.parse(readFileSync(DEFAULT_KEYS_PATH, 'utf8')) as { terminal: { tak: { kcv: string } } };
    file.terminal.tak.kcv = '000000';
    const path = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
    writeFileSync(path, JSON.stringify(file));
    const err = thrown(() => loadSimulationKeys(path));
    expect([err.code, err.details['fields'], err.details['reason']]).toEqual(['CONFIG_INVALID', ['terminal.tak'], 'kcv']);
    expect(JSON.stringify(err)).not.toContain(toHex(KEYS.tak));
  });
});

describe('IssuerHost.handleRequest (no sockets)', () => {
  const host = (): IssuerHost => new IssuerHost({ clock: () => NOW, keys: KEYS });

  it('refuses a request without a STAN with HOST_SIM_REQUEST_REFUSED', () => {
    const err = thrown(() => host().handleRequest(new Iso8583Message('0800', { 41: 'T0000001', 70: '301' })));
    expect([err.code, err.details]).toEqual(['HOST_SIM_REQUEST_REFUSED', { reason: 'no-stan', field: 11 }]);
  });

  it('refuses bytes that do not decode', () => {
    expect(thrown(() => host().handleFrame(Buffer.from('junk'))).details).toEqual({ reason: 'undecodable' });
  });

  it('MACs its answer under the TAK, in DE 128 for an 0810', () => {
    const answer = host().handleRequest(new Iso8583Message('0800', { 7: '0615120000', 11: '000001', 41: 'T0000001', 70: '301' }));
    expect(answer?.fieldNumbers()).toEqual([7, 11, 39, 41, 70, 128]);
    expect(checkMac(iso87ascii, answer ?? new Iso8583Message('0000', {}), KEYS.tak)).toBe('valid');
  });

  it('skips the MAC check for a trusted wrapper, and answers an unknown MTI with 12', () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS, requireMac: true });
    const request = new Iso8583Message('0800', { 7: '0615120000', 11: '000002', 41: 'T0000001', 70: '001' });
    expect(issuer.handleRequest(request)?.get(39)).toBe('63');
    expect(issuer.handleRequest(request, { trusted: true })?.get(39)).toBe('00');
    expect(issuer.handleRequest(new Iso8583Message('0600', { 11: '000003', 41: 'T0000001' }), { trusted: true })?.get(39)).toBe('12');
  });

  it('keeps no clear PAN in its ledger', () => {
    const issuer = host();
    issuer.handleRequest(new Iso8583Message('0200', { 2: '4111111111111111', 3: '000000', 4: '000000000100', 7: '0615120000', 11: '000004', 41: 'T0000001', 49: '978' }));
    expect(issuer.ledger[0]).toMatchObject({ maskedPan: '411111******1111', responseCode: '00', reversed: false });
    expect(JSON.stringify(issuer.ledger)).not.toContain('4111111111111111');
  });
});

describe('PIN keys derived ahead (the I/O thread offers them to the issuer)', () => {
  const pinRequest = (pin: string): { frame: Buffer; ksn: Buffer } => {
    const entry = pinPad()(pin, '4111111111111111');
    const frame = encodeFinancialRequest(iso87ascii, {
      kind: 'purchase',
      stan: nextStan(),
      at: NOW,
      amountMinor: 100,
      currency: '978',
      entryMode: 'swipe',
      card: cardOf('visa-ok'),
      terminalId: 'T0000001',
      merchantId: 'M00000000000001',
      pin: entry,
    });
    return { frame, ksn: entry.ksn };
  };
  const responseCode = (answer: Buffer | null): unknown => (answer === null ? null : decodeMessage(iso87ascii, answer).get(39));

  it('uses an offered key for its KSN, once: a wrong one gives 55, the same request again is checked under its own key', () => {
    const issuer = new IssuerHost({ clock: () => NOW });
    const { frame, ksn } = pinRequest('1234');
    issuer.pinKeySink.offer(ksn, Buffer.alloc(16, 0x11));
    expect(responseCode(issuer.handleFrame(frame))).toBe('55');
    const again = pinRequest('1234');
    expect(responseCode(issuer.handleFrame(again.frame))).toBe('00');
  });

  it('wipes an offered key that no request took when its batch is done', () => {
    const issuer = new IssuerHost({ clock: () => NOW });
    const key = Buffer.alloc(16, 0x22);
    issuer.pinKeySink.offer(Buffer.alloc(10, 0x01), key);
    issuer.pinKeySink.forget();
    expect(key.equals(Buffer.alloc(16))).toBe(true);
  });
});
