/**
 * An offline advice's card data at rest: sealed under the advice key
 * (AES-256-GCM, AAD = transaction id), never in clear in the journal files,
 * destroyed once the host has the advice.
 */
import { createDecipheriv } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AdviceSealer, HEADER_BYTES, IV_BYTES, SEALED_VERSION, type AdviceCard } from '../../src/txn/advice-card.js';
import { HostAdviceSender, type Advise } from '../../src/txn/advice-sender.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { adviceChipData, JournalOfflineApprover } from '../../src/txn/offline-approver.js';
import { StoreAndForward } from '../../src/txn/store-and-forward.js';
import { PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { catchPosError, journalBytes, openJournal, tempDir } from './journal-helpers.js';
import { testCard } from './fakes.js';

const PAN = '4761739001010119';
const TRACK2 = `${PAN}=30122011234567890`;
const KEY = Buffer.from('8f4e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100', 'hex');
/** First GENERATE AC data as a reader gives it: with 5A (PAN) and 57 (track 2 equivalent), which must never be kept. */
const FIRST_AC = Buffer.from(
  `5A08${PAN}` + `5711${PAN}D3012201123456789F` + '9F2608AABBCCDDEEFF0011' + '9F270180' + '9F36020001' + '950500000080009F02060000000015009F1A020276',
  'hex',
);
const SECOND_AC = Buffer.from('9F26081122334455667788' + '9F270140' + '9F36020001', 'hex');

const sealer = (key: Buffer = KEY) => new AdviceSealer(Sensitive.of('key', Buffer.from(key)));

function adviceCard(): AdviceCard {
  return {
    pan: Sensitive.pan(PAN),
    expiry: { year: 2030, month: 12 },
    serviceCode: '201',
    brand: 'visa',
    track2: Sensitive.text('track', TRACK2),
    entryMode: 'chip',
    de55: Sensitive.of('data', adviceChipData(Sensitive.of('data', Buffer.from(FIRST_AC)), SECOND_AC)),
  };
}

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

describe('AdviceSealer', () => {
  it('round-trips the card, and DE 55 holds no 5A/57 with the TC in place of the ARQC', () => {
    const sealed = sealer().seal('txn-1', adviceCard());
    expect(sealed[0]).toBe(SEALED_VERSION);
    const opened = sealer().open('txn-1', sealed);
    expect(opened.pan.revealText()).toBe(PAN);
    expect(opened.track2.revealText()).toBe(TRACK2);
    expect(opened).toMatchObject({ expiry: { year: 2030, month: 12 }, serviceCode: '201', brand: 'visa', entryMode: 'chip' });
    const de55 = opened.de55?.reveal().toString('hex').toUpperCase() ?? '';
    expect(de55).not.toContain(PAN);
    expect(de55).toContain('9F26081122334455667788'); // the TC
    expect(de55).not.toContain('AABBCCDDEEFF0011'); // not the ARQC
    expect(de55).toContain('9F270140');
    expect(de55).toContain('9F02060000000015');
  });

  it('decrypts with the key alone, as documented: [01][IV 12][tag 16][ciphertext], AAD = transaction id', () => {
    const sealed = sealer().seal('txn-doc', adviceCard());
    const decipher = createDecipheriv('aes-256-gcm', KEY, sealed.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from('txn-doc'));
    decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, HEADER_BYTES));
    const plain = Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    expect(plain.toString('latin1')).toContain(PAN);
    expect(sealed.toString('latin1')).not.toContain(PAN);
  });

  it.each([
    ['another key', (b: Buffer) => sealer(Buffer.alloc(32, 7)).open('txn-1', b), 'authentication'],
    ['another transaction id (AAD)', (b: Buffer) => sealer().open('txn-2', b), 'authentication'],
    ['a flipped ciphertext bit', (b: Buffer) => sealer().open('txn-1', Buffer.concat([b.subarray(0, -1), Buffer.from([(b.at(-1) ?? 0) ^ 1])])), 'authentication'],
    ['a truncated blob', (b: Buffer) => sealer().open('txn-1', b.subarray(0, HEADER_BYTES - 1)), 'format'],
    ['an unknown version', (b: Buffer) => sealer().open('txn-1', Buffer.concat([Buffer.from([0x02]), b.subarray(1)])), 'format'],
  ] as const)('does not open with %s', (_name, open, reason) => {
    const sealed = sealer().seal('txn-1', adviceCard());
    const error = catchPosError(() => open(sealed));
    expect(error.code).toBe('SAF_ADVICE_UNREADABLE');
    expect(error.details).toEqual({ id: expect.stringMatching(/^txn-[12]$/) as unknown, reason });
    expect(JSON.stringify(error)).not.toContain(PAN);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(catchPosError(() => new AdviceSealer(Sensitive.of('key', Buffer.alloc(16)))).code).toBe('KEY_FILE_INVALID');
  });
});

describe('the journal with an offline approval', () => {
  function approveOffline(failures: PosError[] = []) {
    const dir = tempDir();
    const journal = openJournal(dir);
    journals.push(journal);
    const calls: { pan: string; track2: string; de55: string; authCode: string; repeat: boolean; stan: string; at: string }[] = [];
    const advise: Advise = (request, authCode, repeat) => {
      calls.push({
        pan: request.card.pan.revealText(),
        track2: request.card.track2.revealText(),
        de55: request.chip?.tlv.reveal().toString('hex').toUpperCase() ?? '',
        authCode,
        repeat,
        stan: request.stan,
        at: request.at.toISOString(),
      });
      const failure = failures.shift();
      if (failure !== undefined) return Promise.reject(failure);
      return Promise.resolve({ responseCode: '00', approved: true, authCode, rrn: '000000000009', stan: request.stan });
    };
    const s = sealer();
    const saf = new StoreAndForward({
      journal,
      policy: { floorLimits: { visa: 5000 }, maxQueuedCount: 5, maxQueuedTotalMinor: 10_000 },
      sender: new HostAdviceSender({ journal, sealer: s, advise, merchantId: 'M00000000000001' }),
    });
    const approver = new JournalOfflineApprover({ saf, sealer: s });
    const card = { ...testCard(PAN, { year: 2030, month: 12 }, 'visa', '201'), track2: Sensitive.text('track', TRACK2) };
    journal.begin({ id: 'off-1', amountMinor: 1500, currency: '978', card: { pan: card.pan, brand: 'visa', entryMode: 'chip' } });
    const stan = journal.nextStan();
    const sentAt = new Date('2026-11-24T12:00:05Z');
    journal.requestSent('off-1', { stan, transmittedAt: sentAt });
    const read = { entryMode: 'chip' as const, card, chip: { tlv: Sensitive.of('data', Buffer.from(FIRST_AC)) } };
    const grant = approver.approve({ id: 'off-1', stan, amountMinor: 1500, currency: '978', read });
    expect(grant).toMatchObject({ granted: true, responseCode: 'Y3' });
    approver.queue('off-1', read, SECOND_AC);
    return { dir, journal, saf, calls, stan, sentAt };
  }

  it('holds no PAN or track in clear — ASCII or BCD — in the .db or -wal, and the blob opens only with the key', () => {
    const { dir, journal } = approveOffline();
    const bytes = journalBytes(dir);
    expect(bytes).toContain('476173******0119'); // the masked PAN is there: the scan does read the files
    expect(bytes).not.toContain(PAN);
    expect(bytes).not.toContain(Buffer.from(PAN, 'hex').toString('latin1'));
    expect(bytes).not.toContain('30122011234567890');
    const sealed = journal.sealedAdviceCard('off-1');
    expect(sealed).not.toBeNull();
    expect(sealer().open('off-1', sealed ?? Buffer.alloc(0)).pan.revealText()).toBe(PAN);
    expect(catchPosError(() => sealer(Buffer.alloc(32, 1)).open('off-1', sealed ?? Buffer.alloc(0))).code).toBe('SAF_ADVICE_UNREADABLE');
  });

  it('sends the advice with the card data, the same STAN and DE 7, then destroys the blob — no trace in the files', async () => {
    const { dir, journal, saf, calls, stan, sentAt } = approveOffline();
    const sealed = journal.sealedAdviceCard('off-1') ?? Buffer.alloc(0);
    const ciphertext = sealed.subarray(HEADER_BYTES).toString('latin1');
    expect(journalBytes(dir)).toContain(ciphertext);

    const result = await saf.flush();
    expect(result).toEqual({ sent: ['off-1'], remaining: 0, error: null });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ pan: PAN, track2: TRACK2, authCode: `Y${stan.slice(-5)}`, repeat: false, stan, at: sentAt.toISOString() });
    expect(calls[0]?.de55).not.toContain(PAN);
    expect(journal.get('off-1')).toMatchObject({ state: 'advice-sent', adviceAttempts: 1 });
    expect(journal.sealedAdviceCard('off-1')).toBeNull();
    expect(journalBytes(dir)).not.toContain(ciphertext);
  });

  it.each([
    ['never left (HOST_UNREACHABLE, nothing reached the host)', new PosError('HOST_UNREACHABLE', 'refused', { requestMayHaveReachedHost: false }), false],
    ['may have reached the host (HOST_TIMEOUT)', new PosError('HOST_TIMEOUT', 'late', { requestMayHaveReachedHost: true }), true],
  ] as const)('after a send that %s, the next is a repeat: %s', async (_name, failure, repeat) => {
    const { journal, saf, calls } = approveOffline([failure]);
    expect(await saf.flush()).toMatchObject({ sent: [], remaining: 1, error: { code: failure.code } });
    expect(journal.get('off-1').adviceAttempts).toBe(repeat ? 1 : 0);
    expect(await saf.flush()).toMatchObject({ sent: ['off-1'], remaining: 0 });
    expect(calls.map((c) => c.repeat)).toEqual([false, repeat]);
  });

  it('a repeat after an unacknowledged send goes as 0221 with the same STAN', async () => {
    const { journal, saf, calls, stan } = approveOffline();
    journal.adviceAttempt('off-1'); // a send cut short by a crash
    await saf.flush();
    expect(calls.map((c) => [c.repeat, c.stan])).toEqual([[true, stan]]);
  });
});
