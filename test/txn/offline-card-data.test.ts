/**
 * An offline advice's card data at rest: sealed to the acquirer's public key
 * (X25519 + HKDF-SHA-256 + AES-256-GCM, bound to the advice's DE 41/11/7/4/49),
 * never in clear in the journal files, openable only with the acquirer's
 * private key — which the terminal never holds — and destroyed once the host
 * has the advice.
 */
import { createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { encodeFinancialRequest, type SealedAdvice } from '../../src/host/messages/financial.js';
import {
  adviceOpeningKey,
  adviceSealingKey,
  KEY_ID_BYTES,
  openAdviceCard,
  parseSealedAdviceField,
  SEALED_HEADER_BYTES,
  TAG_BYTES,
  X25519_PUBLIC_BYTES,
  type AdviceBinding,
} from '../../src/host/messages/sealed-advice.js';
import { AdviceSealer, adviceBinding, type AdviceCard } from '../../src/txn/advice-card.js';
import { HostAdviceSender, type Advise } from '../../src/txn/advice-sender.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { adviceChipData, OfflineApprovals } from '../../src/txn/offline-approver.js';
import { StoreAndForward } from '../../src/txn/store-and-forward.js';
import { PosError } from '../../src/util/errors.js';
import { HostError } from '../../src/host/host-error.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { journalBytes, openJournal, tempDir } from './journal-helpers.js';
import { chipCardOf, testCard } from './fakes.js';
import { thrown } from '../pos-error.js';

const PAN = '4761739001010119';
const TRACK2 = `${PAN}=30122011234567890`;
/** First GENERATE AC data as a reader gives it: with 5A (PAN) and 57 (track 2 equivalent), which must never be kept. */
const FIRST_AC = Buffer.from(
  `5A08${PAN}` + `5711${PAN}D3012201123456789F` + '9F2608AABBCCDDEEFF0011' + '9F270180' + '9F36020001' + '950500000080009F02060000000015009F1A020276',
  'hex',
);
const SECOND_AC = Buffer.from('9F26081122334455667788' + '9F270140' + '9F36020001', 'hex');

/** The acquirer's key pair: the terminal side of these tests only ever gets the public half. */
const acquirer = generateKeyPairSync('x25519');
const opening = adviceOpeningKey(acquirer.privateKey);
const sealing = adviceSealingKey(acquirer.publicKey.export({ format: 'pem', type: 'spki' }).toString());
const ROW = { id: 'txn-1', terminalId: 'T0000001', stan: '000042', transmittedAt: '2026-11-24T12:00:05.000Z', amountMinor: 1500, currency: '978' };
const BINDING: AdviceBinding = { terminalId: 'T0000001', stan: '000042', transmissionDateTime: '1124120005', amount: '000000001500', currency: '978' };

function adviceCard(): AdviceCard {
  return {
    track2: Sensitive.text('track', TRACK2),
    de55: Sensitive.of('data', adviceChipData(Sensitive.of('data', Buffer.from(FIRST_AC)), SECOND_AC)),
  };
}

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

describe('sealing an advice card to the acquirer', () => {
  it('binds the seal to the advice fields the host sees (DE 41, 11, 7, 4, 49)', () => {
    expect(adviceBinding(ROW)).toEqual(BINDING);
    const missing = thrown(() => adviceBinding({ ...ROW, transmittedAt: null }));
    expect(missing.code).toBe('SAF_ADVICE_UNREADABLE');
    expect(missing.details).toEqual({ id: 'txn-1', reason: 'missing' });
  });

  it('opens with the private key: track 2 as read, DE 55 without 5A/57 and with the TC in place of the ARQC', () => {
    const sealed = new AdviceSealer(sealing).seal(ROW, adviceCard());
    expect(sealed[0]).toBe(0x01);
    expect(sealed.subarray(1, 1 + KEY_ID_BYTES)).toEqual(sealing.keyId);
    const opened = openAdviceCard(opening, sealed, BINDING);
    expect(opened.track2.toString('latin1')).toBe(TRACK2);
    const de55 = opened.de55?.toString('hex').toUpperCase() ?? '';
    expect(de55).not.toContain(PAN);
    expect(de55).toContain('9F26081122334455667788'); // the TC
    expect(de55).not.toContain('AABBCCDDEEFF0011'); // not the ARQC
    expect(de55).toContain('9F270140');
    expect(de55).toContain('9F02060000000015');
  });

  it('decrypts as documented, with node:crypto alone: X25519, HKDF-SHA-256 (salt = ephemeral ‖ acquirer key), AES-256-GCM with the header and binding as AAD', () => {
    const sealed = new AdviceSealer(sealing).seal(ROW, adviceCard());
    const header = sealed.subarray(0, 1 + KEY_ID_BYTES);
    const ephemeral = sealed.subarray(header.length, header.length + X25519_PUBLIC_BYTES);
    const tag = sealed.subarray(header.length + X25519_PUBLIC_BYTES, SEALED_HEADER_BYTES);
    const ephemeralKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ephemeral.toString('base64url') }, format: 'jwk' });
    const shared = diffieHellman({ privateKey: acquirer.privateKey, publicKey: ephemeralKey });
    const recipient = Buffer.from(acquirer.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), 'pos-terminal advice card 01', 44));
    const decipher = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([header, Buffer.from('T0000001|000042|1124120005|000000001500|978')]));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(sealed.subarray(SEALED_HEADER_BYTES)), decipher.final()]);
    expect(plain.subarray(0, 3)).toEqual(Buffer.from([0x01, 0x00, TRACK2.length]));
    expect(plain.toString('latin1')).toContain(TRACK2);
    expect(sealed.toString('latin1')).not.toContain(PAN);
  });

  it('seals afresh each time: the same card twice gives unrelated blobs', () => {
    const sealer = new AdviceSealer(sealing);
    const a = sealer.seal(ROW, adviceCard());
    const b = sealer.seal(ROW, adviceCard());
    expect(a.subarray(1 + KEY_ID_BYTES).equals(b.subarray(1 + KEY_ID_BYTES))).toBe(false);
  });

  const flip = (b: Buffer, at: number): Buffer => {
    const copy = Buffer.from(b);
    copy[at] = (copy[at] ?? 0) ^ 1;
    return copy;
  };
  const other = adviceOpeningKey(generateKeyPairSync('x25519').privateKey);

  it.each([
    ['another acquirer key', (b: Buffer) => openAdviceCard(other, b, BINDING), 'key'],
    ['another key with the key id forged', (b: Buffer) => openAdviceCard({ ...other, keyId: opening.keyId }, b, BINDING), 'authentication'],
    ['another terminal (DE 41)', (b: Buffer) => openAdviceCard(opening, b, { ...BINDING, terminalId: 'T0000002' }), 'authentication'],
    ['another STAN (DE 11)', (b: Buffer) => openAdviceCard(opening, b, { ...BINDING, stan: '000043' }), 'authentication'],
    ['another DE 7', (b: Buffer) => openAdviceCard(opening, b, { ...BINDING, transmissionDateTime: '1124120006' }), 'authentication'],
    ['another amount (DE 4)', (b: Buffer) => openAdviceCard(opening, b, { ...BINDING, amount: '000000015000' }), 'authentication'],
    ['another currency (DE 49)', (b: Buffer) => openAdviceCard(opening, b, { ...BINDING, currency: '840' }), 'authentication'],
    ['a flipped ephemeral key bit', (b: Buffer) => openAdviceCard(opening, flip(b, 1 + KEY_ID_BYTES), BINDING), 'authentication'],
    ['a flipped tag bit', (b: Buffer) => openAdviceCard(opening, flip(b, SEALED_HEADER_BYTES - 1), BINDING), 'authentication'],
    ['a flipped ciphertext bit', (b: Buffer) => openAdviceCard(opening, flip(b, b.length - 1), BINDING), 'authentication'],
    ['a truncated blob', (b: Buffer) => openAdviceCard(opening, b.subarray(0, SEALED_HEADER_BYTES - 1), BINDING), 'format'],
    ['an unknown scheme', (b: Buffer) => openAdviceCard(opening, Buffer.concat([Buffer.from([0x02]), b.subarray(1)]), BINDING), 'format'],
  ] as const)('does not open with %s', (_name, open, reason) => {
    const sealed = new AdviceSealer(sealing).seal(ROW, adviceCard());
    const error = thrown(() => open(sealed));
    expect(error.code).toBe('SAF_ADVICE_UNREADABLE');
    expect(error.details).toEqual({ reason });
    expect(JSON.stringify(error)).not.toContain(PAN);
  });

  it.each([
    ['a P-256 public key', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    ['an Ed25519 public key', generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    ['not PEM at all', '00112233445566778899aabbccddeeff'],
  ])('refuses %s as the acquirer key with KEY_FILE_INVALID', (_name, pem) => {
    expect(thrown(() => adviceSealingKey(pem)).code).toBe('KEY_FILE_INVALID');
  });
});

describe('the journal with an offline approval', () => {
  function approveOffline(failures: PosError[] = []) {
    const dir = tempDir();
    const journal = openJournal(dir);
    journals.push(journal);
    const calls: { request: SealedAdvice; authCode: string; repeat: boolean }[] = [];
    const advise: Advise = (request, authCode, repeat) => {
      calls.push({ request, authCode, repeat });
      const failure = failures.shift();
      if (failure !== undefined) return Promise.reject(failure);
      return Promise.resolve({ responseCode: '00', approved: true, authCode, rrn: '000000000009', stan: request.stan });
    };
    const saf = new StoreAndForward({
      journal,
      policy: { floorLimits: { visa: 5000 }, maxQueuedCount: 5, maxQueuedTotalMinor: 10_000 },
      sender: new HostAdviceSender({ journal, advise, merchantId: 'M00000000000001' }),
      clock: () => new Date('2025-03-01T10:05:00Z'),
    });
    const approver = new OfflineApprovals({ saf, sealer: new AdviceSealer(sealing), journal });
    const card = { ...chipCardOf(testCard(PAN, { year: 2030, month: 12 }, 'visa', '201')), track2: Sensitive.text('track', TRACK2) };
    journal.steps.begin({ id: 'off-1', amountMinor: 1500, currency: '978', card: { pan: card.pan, brand: 'visa', entryMode: 'chip' } });
    const stan = journal.stan.next();
    const sentAt = new Date('2026-11-24T12:00:05Z');
    journal.steps.requestSent('off-1', { stan, transmittedAt: sentAt });
    const read = { entryMode: 'chip' as const, card, chip: { tlv: Sensitive.of('data', Buffer.from(FIRST_AC)) } };
    const grant = approver.approve({ id: 'off-1', kind: 'purchase', stan, amountMinor: 1500, currency: '978', read });
    expect(grant).toMatchObject({ granted: true, responseCode: 'Y3' });
    approver.queue('off-1', read, SECOND_AC);
    const binding: AdviceBinding = { terminalId: 'T0000001', stan, transmissionDateTime: '1124120005', amount: '000000001500', currency: '978' };
    return { dir, journal, saf, calls, stan, sentAt, binding };
  }

  it('holds no PAN or track in clear — ASCII or BCD — in the .db or -wal; the blob opens only with the acquirer private key for this advice', () => {
    const { dir, journal, binding } = approveOffline();
    const bytes = journalBytes(dir);
    expect(bytes).toContain('476173******0119'); // the masked PAN is there: the scan does read the files
    expect(bytes).not.toContain(PAN);
    expect(bytes).not.toContain(Buffer.from(PAN, 'hex').toString('latin1'));
    expect(bytes).not.toContain('30122011234567890');
    const sealed = journal.advices.sealedCard('off-1') ?? Buffer.alloc(0);
    expect(openAdviceCard(opening, sealed, binding).track2.toString('latin1')).toBe(TRACK2);
    expect(thrown(() => openAdviceCard(anotherAcquirer(), sealed, binding)).code).toBe('SAF_ADVICE_UNREADABLE');
  });

  it('sends the sealed blob as it is kept, with the same STAN and DE 7, in DE 48 of an advice with no DE 2/14/35/55; then destroys it', async () => {
    const { dir, journal, saf, calls, stan, sentAt, binding } = approveOffline();
    const sealed = journal.advices.sealedCard('off-1') ?? Buffer.alloc(0);
    const ciphertext = sealed.subarray(SEALED_HEADER_BYTES).toString('latin1');
    expect(journalBytes(dir)).toContain(ciphertext);

    const result = await saf.flush();
    expect(result).toEqual({ sent: ['off-1'], expired: [], remaining: 0, error: null });
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call).toMatchObject({ authCode: `Y${stan.slice(-5)}`, repeat: false });
    expect(call.request).toMatchObject({ stan, maskedPan: '476173******0119', entryMode: 'chip', amountMinor: 1500, currency: '978', terminalId: 'T0000001' });
    expect(call.request.at.toISOString()).toBe(sentAt.toISOString());
    expect(Buffer.from(call.request.sealedCard)).toEqual(sealed);

    const wire = encodeFinancialRequest(iso87ascii, call.request, { mti: '0220', offlineAuthCode: call.authCode });
    expect(wire.toString('latin1')).not.toContain(PAN);
    const message = decodeMessage(iso87ascii, wire);
    for (const field of [2, 14, 35, 52, 55]) expect(message.has(field)).toBe(false);
    const de48 = parseSealedAdviceField(message.get(48) as string);
    expect(de48).toMatchObject({ bin: '476173', lastFour: '0119' });
    expect(openAdviceCard(opening, de48.sealed, binding).track2.toString('latin1')).toBe(TRACK2);

    expect(journal.get('off-1')).toMatchObject({ state: 'advice-sent', adviceAttempts: 1 });
    expect(journal.advices.sealedCard('off-1')).toBeNull();
    expect(journalBytes(dir)).not.toContain(ciphertext);
  });

  it.each([
    ['never left (HOST_UNREACHABLE, nothing reached the host)', new HostError('HOST_UNREACHABLE', 'refused', 'not-sent'), false],
    ['may have reached the host (HOST_TIMEOUT)', new HostError('HOST_TIMEOUT', 'late', 'maybe-sent'), true],
  ] as const)('after a send that %s, the next is a repeat: %s', async (_name, failure, repeat) => {
    const { journal, saf, calls } = approveOffline([failure]);
    expect(await saf.flush()).toMatchObject({ sent: [], remaining: 1, error: { code: failure.code } });
    expect(journal.get('off-1').adviceAttempts).toBe(repeat ? 1 : 0);
    expect(await saf.flush()).toMatchObject({ sent: ['off-1'], remaining: 0 });
    expect(calls.map((c) => c.repeat)).toEqual([false, repeat]);
    expect(Buffer.from(calls[0]!.request.sealedCard)).toEqual(Buffer.from(calls[1]!.request.sealedCard));
  });

  it('a repeat after an unacknowledged send goes as 0221 with the same STAN', async () => {
    const { journal, saf, calls, stan } = approveOffline();
    journal.advices.attempt('off-1'); // a send cut short by a crash
    await saf.flush();
    expect(calls.map((c) => [c.repeat, c.request.stan])).toEqual([[true, stan]]);
  });
});

/** Another acquirer's key, for "does not open". */
function anotherAcquirer() {
  return adviceOpeningKey(generateKeyPairSync('x25519').privateKey);
}
