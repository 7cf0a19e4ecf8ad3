/**
 * DE 48 encrypted tracks (`src/host/messages/encrypted-tracks.ts`): the
 * subfield layout built from its spec, round trip, every refusal by
 * `subfield` and `reason`, random input; the 0200 encoder with a masked
 * card; the simulated issuer's answers to DE 48 without sockets (30, 88).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import type { EncryptedTracks } from '../../src/devices/card-reader.js';
import { encodeFinancialRequest } from '../../src/host/messages/financial.js';
import { encryptedTracksField, parseEncryptedTracksField } from '../../src/host/messages/encrypted-tracks.js';
import { DIALECTS } from '../../src/iso8583/dialects/index.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { expectDe48ReadOrRefused, expectDe48Refused, purchase } from './helpers.js';
import { thrown } from '../pos-error.js';

const KSN = Buffer.from('FFFF0801A5B3C4E00001', 'hex');
const BLOCKS = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const TRACKS: EncryptedTracks = { scheme: 'magtek-tdes-dukpt', ksn: KSN, track2: BLOCKS };

describe('DE 48 encrypted tracks', () => {
  it('lays out [tag ×2][length ×3][value] subfields: ES scheme 01, EK KSN, E2 ciphertext, BN/L4 from the masked PAN', () => {
    const expected = [
      'ES' + '002' + '01',
      'EK' + '020' + 'FFFF0801A5B3C4E00001',
      'E2' + '032' + '00112233445566778899AABBCCDDEEFF',
      'BN' + '006' + '411111',
      'L4' + '004' + '1111',
    ].join('');
    expect(encryptedTracksField(TRACKS, '411111******1111')).toBe(expected);
    expect(parseEncryptedTracksField(expected)).toEqual({ ...TRACKS, bin: '411111', lastFour: '1111' });
  });

  it('round trips with track 1 and without the masked PAN; unknown subfields are skipped', () => {
    const tracks = { ...TRACKS, track1: Buffer.concat([BLOCKS, BLOCKS]) };
    const text = encryptedTracksField(tracks);
    expect(text).not.toContain('BN');
    expect(parseEncryptedTracksField(text)).toEqual(tracks);
    expect(parseEncryptedTracksField(`${text}ZZ003abc`)).toEqual(tracks);
  });

  it.each<[string, string, string, string]>([
    ['no scheme', 'EK020FFFF0801A5B3C4E00001E2016' + '0011223344556677', 'ES', 'missing'],
    ['an unknown scheme', 'ES00202EK020FFFF0801A5B3C4E00001E2016' + '0011223344556677', 'ES', 'unknown-scheme'],
    ['a 9-byte KSN', 'ES00201EK018FFFF0801A5B3C4E000E2016' + '0011223344556677', 'EK', 'ksn-length'],
    ['no track 2', 'ES00201EK020FFFF0801A5B3C4E00001', 'E2', 'missing'],
    ['track 2 not whole blocks', 'ES00201EK020FFFF0801A5B3C4E00001E2014' + '00112233445566', 'E2', 'blocks'],
    ['lower-case hex', 'ES00201EK020ffff0801a5b3c4e00001E2016' + '0011223344556677', 'EK', 'hex'],
    ['a length past the end', 'ES00201EK099FFFF', 'EK', 'length'],
    ['a repeated subfield', 'ES00201ES00201', 'ES', 'repeated'],
    ['a BIN that is not six digits', 'ES00201EK020FFFF0801A5B3C4E00001E2016' + '0011223344556677BN00641111*', 'BN', 'digits'],
  ])('refuses %s: HOST_REQUEST_INVALID naming the subfield', (_what, text, subfield, reason) => {
    expectDe48Refused(parseEncryptedTracksField, text, subfield, reason);
  });

  it('random text: a value or HOST_REQUEST_INVALID, nothing else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (text) => expectDe48ReadOrRefused(parseEncryptedTracksField, text)));
  });
});

describe('the 0200 from an encrypting reader', () => {
  const masked = {
    pan: Sensitive.pan('411111******1111'),
    panMasked: true as const,
    expiry: { year: 2030, month: 12 },
    serviceCode: '101',
    brand: 'visa' as const,
    track2: Sensitive.text('track', '411111******1111=3012101'),
  };

  it.each(Object.entries(DIALECTS))('carries DE 48 and no DE 2, 14 or 35 (%s)', (_name, dialect) => {
    const message = decodeMessage(dialect, encodeFinancialRequest(dialect, { ...purchase(masked, 100), encryptedTracks: TRACKS }));
    expect([2, 14, 35, 48].map((n) => message.has(n))).toEqual([false, false, false, true]);
    expect(message.get(48)).toBe(encryptedTracksField(TRACKS, '411111******1111'));
  });

  it('refuses a masked card without its ciphertext before anything is sent (the masked digits are no PAN)', () => {
    const err = thrown(() => encodeFinancialRequest(iso87ascii, purchase(masked, 100)));
    expect(err.code).toBe('HOST_REQUEST_INVALID');
    expect(err.details).toMatchObject({ field: 48 });
  });
});

describe('the simulated issuer and DE 48, without sockets', () => {
  const issuer = (): IssuerHost => new IssuerHost({ clock: () => new Date(2026, 5, 15, 12, 0, 0), keys: loadSimulationKeys() });
  const request = (de48: string) =>
    new Iso8583Message('0200', { 3: '000000', 4: '000000000100', 7: '0615120000', 11: '000007', 41: 'T0000001', 42: 'M00000000000001', 48: de48, 49: '978' });

  it('answers 30 to a DE 48 that is not a set of encrypted tracks', () => {
    expect(issuer().handleRequest(request('ES00202'))?.get(39)).toBe('30');
  });

  it('answers 88 to a well-formed block that does not decrypt to a track under the KSN', () => {
    expect(issuer().handleRequest(request(encryptedTracksField(TRACKS, '411111******1111')))?.get(39)).toBe('88');
  });
});
