/**
 * `tap`, the twin reader's side of a contactless transaction over the
 * virtual cards: the outcome a reader reports for each card and amount
 * (Book B pre-processing, Book C-3 for Kernel 3, Book C-2 for Kernel 2),
 * the CVM it asks for, and the data it hands over.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/emv/ber-tlv.js';
import { flatten } from '../../../src/emv/tlv-query.js';
import { buildContactlessCard } from '../../../hw-mocks/chip-card/contactless-cards.js';
import type { ApduCard } from '../../../hw-mocks/chip-card/apdu-card.js';
import { readDynamicTrack2, TRACK2_LAYOUT } from '../../../hw-mocks/chip-card/contactless-magstripe.js';
import { tap, type TapTerminal } from '../../../hw-mocks/chip-card/contactless-tap.js';
import { QvsdcCard } from '../../../hw-mocks/chip-card/qvsdc-card.js';
import { buildChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { testCas } from './harness.js';

const AT = new Date(2026, 5, 15, 12, 30, 0);
/** Limits in minor units: floor 20.00, CVM 50.00, transaction 200.00. */
function terminal(amountMinor: number, more: Partial<TapTerminal> = {}): TapTerminal {
  return { amountMinor, currency: '978', country: '826', at: AT, limits: { transaction: 20_000, cvm: 5_000, floor: 2_000 }, ...more };
}
const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex').toUpperCase();
const tags = (tlv: Buffer): Map<string, Uint8Array> => flatten(decode(tlv));

describe('Kernel 3 (qVSDC)', () => {
  it.each([
    ['under the CVM limit: online, no CVM', 'visa-contactless', 3_000, 'online-request', 'no-cvm'],
    ['over the CVM limit: signature from the CTQ', 'visa-contactless', 6_000, 'online-request', 'signature'],
    ['over the CVM limit: online PIN from the CTQ', 'visa-contactless-pin', 6_000, 'online-request', 'online-pin'],
    ['under the floor limit: the card still asks online (no fDDA), the reader sends it online', 'visa-contactless', 1_000, 'online-request', 'no-cvm'],
  ])('%s', async (_what, profile, amount, outcome, cvm) => {
    const result = await tap(buildContactlessCard({ profile }), terminal(amount));
    expect(result).toMatchObject({ outcome, cvm, kernel: 'kernel-3', entryMode: 'contactless' });
    const data = tags(result.tlv);
    expect(hex(data.get('9F27'))).toBe('80');
    expect(hex(data.get('9F39'))).toBe('07');
    expect(hex(data.get('9F02'))).toBe(String(amount).padStart(12, '0'));
    const ttq2 = data.get('9F66')?.[1] ?? 0xff;
    expect(ttq2 & 0x80).toBe(amount > 2_000 ? 0x80 : 0x00); // online cryptogram required
    expect(ttq2 & 0x40).toBe(amount >= 5_000 ? 0x40 : 0x00); // CVM required
    expect(data.has('57')).toBe(true);
  });

  it('at or over the transaction limit: insert the card, nothing sent to it', async () => {
    const card = buildContactlessCard({ profile: 'visa-contactless' });
    expect((await tap(card, terminal(20_000))).outcome).toBe('try-another-interface');
    expect(card.snapshot().nextAtc).toBe(1);
  });

  it('an online-PIN card at a reader without online PIN: insert the card; without a contact interface: declined', async () => {
    expect((await tap(buildContactlessCard({ profile: 'visa-contactless-pin' }), terminal(6_000, { supports: { onlinePin: false } }))).outcome).toBe('try-another-interface');
    expect((await tap(buildContactlessCard({ profile: 'visa-contactless-pin' }), terminal(6_000, { supports: { onlinePin: false, contact: false } }))).outcome).toBe('declined');
  });

  it('a phone over the CVM limit: see phone, then after the holder verifies, online with consumer-device CVM', async () => {
    const phone = buildContactlessCard({ profile: 'visa-phone' }) as QvsdcCard;
    expect((await tap(phone, terminal(6_000))).outcome).toBe('see-phone');
    phone.verifyOnDevice();
    const again = await tap(phone, terminal(6_000));
    expect(again).toMatchObject({ outcome: 'online-request', cvm: 'cdcvm' });
    expect(hex(tags(again.tlv).get('9F6C'))).toBe('0080');
  });

  it('a phone at a reader without consumer-device CVM, over the CVM limit: insert the card', async () => {
    expect((await tap(buildContactlessCard({ profile: 'visa-phone' }), terminal(6_000, { supports: { cdcvm: false } }))).outcome).toBe('try-another-interface');
  });

  it('fDDA: under the floor limit the card approves offline and the reader verifies its signature; past 9F14 it asks online', async () => {
    const cas = testCas();
    const card = buildContactlessCard({ profile: 'visa-contactless-offline', ca: cas });
    const capks = cas.map((c) => c.capk);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await tap(card, terminal(1_000, { capks }))).outcome);
    expect(outcomes).toEqual(['approved', 'approved', 'approved', 'online-request']);
    const over = await tap(buildContactlessCard({ profile: 'visa-contactless-offline', ca: cas }), terminal(3_000, { capks }));
    expect(over.outcome).toBe('online-request');
  });

  it.each([
    ['no CA public key for the card', () => [], 'no CA public key'],
    ['another key under the same RID and index', () => testCas().map((c) => ({ ...c.capk, modulus: Buffer.from(c.capk.modulus).fill(0xa5, 10, 20) })), 'issuer certificate'],
  ])('fDDA with %s: the offline approval is declined', async (_what, capks, reason) => {
    const card = buildContactlessCard({ profile: 'visa-contactless-offline', ca: testCas() });
    const result = await tap(card, terminal(1_000, { capks: capks() }));
    expect(result.outcome).toBe('declined');
    expect(result.reason).toContain(reason);
  });

  it('fDDA: a signature altered on the way is declined', async () => {
    const card = buildContactlessCard({ profile: 'visa-contactless-offline', ca: testCas() });
    const tampering: ApduCard = {
      atr: card.atr,
      powerOn: () => card.powerOn(),
      reset: () => card.reset(),
      powerOff: () => card.powerOff(),
      transmit: (command) => {
        const out = Buffer.from(card.transmit(command));
        if (command[1] === 0xa8 && out.length > 4) out[out.length - 3] = out[out.length - 3]! ^ 0x01; // the last byte of 9F4B, the GPO answer's last object
        return out;
      },
    };
    const result = await tap(tampering, terminal(1_000, { capks: testCas().map((c) => c.capk) }));
    expect(result).toMatchObject({ outcome: 'declined' });
    expect(result.reason).toContain('signature');
  });

  it('a card that declines (AAC) is declined; a TC without fDDA is declined too', async () => {
    const declining = buildContactlessCard({ profile: 'visa-contactless' });
    const aac = buildContactlessCard({ profile: { ...declining.image.profile, risk: { approveOffline: false, declineAlways: true } } });
    expect((await tap(aac, terminal(1_000))).outcome).toBe('declined');
    const tc = buildContactlessCard({ profile: { ...declining.image.profile, risk: { approveOffline: true, declineAlways: false } } });
    const result = await tap(tc, terminal(1_000));
    expect(result.outcome).toBe('declined');
    expect(result.reason).toContain('fDDA');
  });
});

describe('Kernel 2 (M/Chip)', () => {
  it.each([
    ['under the CVM limit: no CVM required (1F 03 02)', 3_000, 'no-cvm', '1F0302'],
    ['over the CVM limit: online PIN by the CVM list (42 03 00)', 6_000, 'online-pin', '420300'],
  ])('EMV mode %s', async (_what, amount, cvm, cvmResults) => {
    const result = await tap(buildContactlessCard({ profile: 'mastercard-contactless' }), terminal(amount));
    expect(result).toMatchObject({ outcome: 'online-request', cvm, kernel: 'kernel-2', entryMode: 'contactless' });
    const data = tags(result.tlv);
    expect(hex(data.get('9F34'))).toBe(cvmResults);
    expect(hex(data.get('9F27'))).toBe('80');
    expect(data.get('9F10')?.length).toBe(20);
    expect(hex(data.get('9F39'))).toBe('07');
    expect((data.get('95')?.[0] ?? 0) & 0x80).toBe(0x80); // no CDA: ODA not performed
  });

  it('a phone (AIP on-device CVM) over the CVM limit: consumer-device CVM, CVM results 01 00 02; a reader without it: online PIN', async () => {
    const phone = await tap(buildContactlessCard({ profile: 'mastercard-phone' }), terminal(6_000));
    expect(phone).toMatchObject({ outcome: 'online-request', cvm: 'cdcvm' });
    expect(hex(tags(phone.tlv).get('9F34'))).toBe('010002');
    const noCdcvm = await tap(buildContactlessCard({ profile: 'mastercard-phone' }), terminal(6_000, { supports: { cdcvm: false } }));
    expect(noCdcvm.cvm).toBe('online-pin');
    expect((await tap(buildContactlessCard({ profile: 'mastercard-phone' }), terminal(3_000))).cvm).toBe('no-cvm');
  });

  it('over the CVM limit with a reader without online PIN: signature', async () => {
    expect((await tap(buildContactlessCard({ profile: 'mastercard-contactless' }), terminal(6_000, { supports: { onlinePin: false } }))).cvm).toBe('signature');
  });

  it('a reader without EMV mode uses mag-stripe mode: a track 2 with the dynamic CVC3, entry mode 91', async () => {
    const result = await tap(buildContactlessCard({ profile: 'mastercard-contactless' }), terminal(3_000, { supports: { emvMode: false } }));
    expect(result).toMatchObject({ outcome: 'online-request', entryMode: 'contactless-magstripe', cvm: 'no-cvm' });
    expect(result.track2).toMatch(/^5105105105105100=3012201\d{10}$/);
    const parts = readDynamicTrack2(result.track2!, TRACK2_LAYOUT);
    expect(parts?.atcDigits).toBe('001');
    expect(hex(tags(result.tlv).get('9F39'))).toBe('91');
  });

  it('a mag-stripe-only card goes to mag-stripe mode; at a reader without it: insert the card', async () => {
    expect((await tap(buildContactlessCard({ profile: 'mastercard-magstripe' }), terminal(3_000))).entryMode).toBe('contactless-magstripe');
    expect((await tap(buildContactlessCard({ profile: 'mastercard-magstripe' }), terminal(3_000, { supports: { magstripeMode: false } }))).outcome).toBe('try-another-interface');
  });

  it('two taps: two ATCs, two CVC3s', async () => {
    const card = buildContactlessCard({ profile: 'mastercard-magstripe' });
    const one = readDynamicTrack2((await tap(card, terminal(100))).track2!, TRACK2_LAYOUT);
    const two = readDynamicTrack2((await tap(card, terminal(100))).track2!, TRACK2_LAYOUT);
    expect([one?.atcDigits, two?.atcDigits]).toEqual(['001', '002']);
  });
});

describe('cards the reader cannot use', () => {
  it('a contact-only card (no PPSE): end application', async () => {
    expect((await tap(buildChipCard({ profile: 'visa-online-pin' }), terminal(1_000))).outcome).toBe('end-application');
  });

  it('a card that answers garbage: end application, never an exception', async () => {
    const garbage: ApduCard = { atr: Buffer.alloc(0), powerOn: () => undefined, reset: () => undefined, powerOff: () => undefined, transmit: () => Buffer.from('6F05FF9000', 'hex') };
    expect((await tap(garbage, terminal(1_000))).outcome).toBe('end-application');
    const mute: ApduCard = { ...garbage, transmit: () => Buffer.alloc(1) };
    expect((await tap(mute, terminal(1_000))).outcome).toBe('end-application');
  });
});
