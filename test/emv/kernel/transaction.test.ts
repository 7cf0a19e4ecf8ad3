/**
 * Whole transactions through `EmvTransaction` and the contact reader that
 * runs it, against the APDU-level virtual cards (written from the Books, not
 * from this kernel): selection to the first GENERATE AC, the decision, and
 * completion; the result carries the kernel's account and no card data.
 */
import type { ApduCard } from '../../../hw-mocks/chip-card/apdu-card.js';
import { unreadableChip } from '../../../hw-mocks/chip-card/card-faults.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChipRead } from '../../../src/devices/card-reader.js';
import type { KernelConfig } from '../../../src/emv/kernel/config.js';
import { CapkTable } from '../../../src/emv/kernel/oda/index.js';
import { SplitSalesLog } from '../../../src/emv/kernel/split-sales.js';
import { EmvTransaction, type KernelDependencies } from '../../../src/emv/kernel/transaction.js';
import { TSI_BITS, TVR_BITS } from '../../../src/emv/kernel/tvr.js';
import { createEmvContactReader, type CardSlot } from '../../../drivers/pcsc/emv-contact-reader.js';
import type { ChipKernel } from '../../../drivers/shared/chip-kernel.js';
import { loadCardProfile, type CardProfile } from '../../../hw-mocks/chip-card/card-profile.js';
import { buildChipCard, type EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { testCas } from '../../drivers/chip-card/harness.js';
import { MASTERCARD_AID, TEST_NOW, TEST_UNPREDICTABLE_NUMBER, testAid, testKernelConfig, testRequest, VISA_AID } from './fixtures.js';

beforeAll(() => {
  testCas();
});

function kernel(overrides: Partial<KernelConfig> = {}): ChipKernel {
  const config = testKernelConfig({ capks: testCas().map((ca) => ca.capk), ...overrides });
  return {
    config,
    capks: CapkTable.load(config.capks, []),
    cvm: { onlinePin: true, signature: true },
    splitSales: new SplitSalesLog(() => TEST_NOW),
    now: () => TEST_NOW,
    unpredictableNumber: () => Buffer.from(TEST_UNPREDICTABLE_NUMBER),
    randomPercent: () => 99,
  };
}

function card(profile: string | CardProfile): EmvChipCard {
  const built = buildChipCard({ profile, ca: testCas() });
  built.powerOn();
  return built;
}

function deps(chip: EmvChipCard, pin: 'entered' | 'unavailable' = 'entered', config: Partial<KernelConfig> = {}): KernelDependencies {
  const k = kernel(config);
  return {
    env: { transmit: (command) => Promise.resolve(chip.transmit(command)), now: k.now, unpredictableNumber: k.unpredictableNumber, randomPercent: k.randomPercent },
    config: k.config,
    capks: k.capks,
    cvm: k.cvm,
    requestOnlinePin: () => Promise.resolve(pin),
    splitSales: k.splitSales,
  };
}

describe('EmvTransaction (Book 3 §10, in order)', () => {
  it.each(['visa-sda', 'visa-dda', 'visa-cda', 'mastercard-cda'])('%s: goes online with an ARQC, ODA performed and not failed', async (profile) => {
    const txn = await EmvTransaction.start(deps(card(profile)), testRequest());
    try {
      expect(txn.firstDecision).toBe('online');
      const summary = txn.summary();
      expect(summary.cryptogramType).toBe('ARQC');
      expect(summary.odaMethod).not.toBe('none');
      // TVR byte 1: no ODA bit failed or missing; TSI: ODA performed.
      expect(Number.parseInt(summary.tvr.slice(0, 2), 16) & 0xfc).toBe(0);
      expect(Number.parseInt(summary.tsi.slice(0, 2), 16) & 0x80).toBe(0x80);
      const online = txn.onlineData();
      expect([...online.keys()]).toEqual(expect.arrayContaining(['9F26', '9F27', '9F36', '9F10', '95', '9F37', '82', '57']));
    } finally {
      txn.wipe();
    }
  });

  it('CDA signs the PDOL data as GPO sent it: a PDOL naming CVM Results (9F34), which cardholder verification fills in later, still verifies', async () => {
    const profile = loadCardProfile('visa-cda');
    const [application] = profile.applications;
    if (application === undefined) throw new Error('the visa-cda profile has an application');
    const withCvmResults: CardProfile = { ...profile, applications: [{ ...application, pdol: `${application.pdol ?? ''} 9F3403` }] };
    const txn = await EmvTransaction.start(deps(card(withCvmResults)), testRequest());
    try {
      const summary = txn.summary();
      // at GPO the CVM Results were 00 00 00; at GENERATE AC they are online PIN (42 03 00)
      expect(summary.cvmResults).toBe('420300');
      expect(summary.odaMethod).toBe('cda');
      expect(Number.parseInt(summary.tvr.slice(0, 2), 16) & 0x04).toBe(0); // byte 1 b3: CDA failed
      expect(txn.firstDecision).toBe('online');
      expect(summary.cryptogramType).toBe('ARQC');
    } finally {
      txn.wipe();
    }
  });

  /** The names of the bits set in a register given as hex, in the table's order (Book 3 Annex C5, C6). */
  function bitsOf(hex: string, table: Readonly<Record<string, readonly [number, number]>>): string[] {
    const bytes = Buffer.from(hex, 'hex');
    return Object.entries(table)
      .filter(([, [byte, bit]]) => ((bytes[byte - 1] ?? 0) & (1 << (bit - 1))) !== 0)
      .map(([name]) => name);
  }

  const ALL_STEPS_TSI = ['odaPerformed', 'cardholderVerificationPerformed', 'cardRiskManagementPerformed', 'terminalRiskManagementPerformed'];
  it.each([
    // floor limit 0: every amount exceeds it; these cards have 9F08 008C (terminal 0096) and a Last Online ATC of 0
    ['visa-sda', ['sdaSelected', 'differentApplicationVersions', 'newCard', 'exceedsFloorLimit'], ALL_STEPS_TSI],
    ['visa-dda', ['differentApplicationVersions', 'newCard', 'onlinePinEntered', 'exceedsFloorLimit'], ALL_STEPS_TSI],
    ['visa-cda', ['differentApplicationVersions', 'newCard', 'onlinePinEntered', 'exceedsFloorLimit'], ALL_STEPS_TSI],
    ['mastercard-cda', ['newCard', 'onlinePinEntered', 'exceedsFloorLimit'], ALL_STEPS_TSI],
    // no ODA: "ODA not performed", and the TSI bit stays clear
    ['mastercard', ['odaNotPerformed', 'newCard', 'onlinePinEntered', 'exceedsFloorLimit'], ALL_STEPS_TSI.slice(1)],
  ])('%s: the TVR and the TSI at the first GENERATE AC, bit by bit', async (profile, tvr, tsi) => {
    const txn = await EmvTransaction.start(deps(card(profile)), testRequest());
    try {
      const summary = txn.summary();
      expect(bitsOf(summary.tvr, TVR_BITS)).toEqual(tvr);
      expect(bitsOf(summary.tsi, TSI_BITS)).toEqual(tsi);
      expect(summary.tsi.slice(2)).toBe('00'); // byte 2 RFU
    } finally {
      txn.wipe();
    }
  });

  it('a bad issuer certificate fails DDA: the TVR says so and the terminal action codes send it online', async () => {
    const txn = await EmvTransaction.start(deps(card('visa-bad-issuer-certificate')), testRequest());
    try {
      expect(Number.parseInt(txn.summary().tvr.slice(0, 2), 16) & 0x08).toBe(0x08);
      expect(txn.firstDecision).toBe('online');
    } finally {
      txn.wipe();
    }
  });

  it('an offline-decline card ends with an AAC at the first GENERATE AC', async () => {
    const txn = await EmvTransaction.start(deps(card('visa-offline-decline')), testRequest());
    expect(txn.firstDecision).toBe('declined-offline');
    txn.wipe();
  });

  it('a blocked application, the only one in common, ends selection as blocked: EMV_APPLICATION_BLOCKED', async () => {
    await expect(EmvTransaction.start(deps(card('visa-blocked')), testRequest())).rejects.toMatchObject({ code: 'EMV_APPLICATION_BLOCKED' });
  });

  it('unable to go online: the default action codes decide, and completion is refused twice', async () => {
    const txn = await EmvTransaction.start(deps(card('visa-dda')), testRequest());
    const completion = await txn.complete({ kind: 'unable-to-go-online' });
    expect(completion.arc.toString('latin1')).toMatch(/^[YZ]3$/);
    await expect(txn.complete({ kind: 'unable-to-go-online' })).rejects.toMatchObject({ code: 'EMV_KERNEL_STATE' });
    txn.wipe();
  });

  it('wipe() leaves no card data behind', async () => {
    const txn = await EmvTransaction.start(deps(card('visa-dda')), testRequest());
    txn.wipe();
    expect(() => txn.track2Equivalent()).toThrow(/Track 2 Equivalent/);
  });
});

describe('terminal type (9F35) in a whole transaction (Book 3 §10.7)', () => {
  /** Below a 50.00 floor limit: the card approves offline when asked for a TC. */
  function terminal(terminalType: number, tacDefault?: string): Partial<KernelConfig> {
    const base = testKernelConfig().terminal;
    const aid = (id: string): ReturnType<typeof testAid> => {
      const plain = testAid(id, { floorLimitMinor: 5000 });
      return tacDefault === undefined ? plain : { ...plain, tac: { ...plain.tac, default: Buffer.from(tacDefault, 'hex') } };
    };
    return { terminal: { ...base, terminalType }, aids: [aid(VISA_AID), aid(MASTERCARD_AID)] };
  }

  /** The P1 of every GENERATE AC the card received (b8–b7: 00 AAC, 40 TC, 80 ARQC). */
  function generateAcP1s(chip: EmvChipCard): { transmit: (command: Buffer) => Promise<Buffer>; p1s: string[] } {
    const p1s: string[] = [];
    return {
      p1s,
      transmit: (command) => {
        if (command[1] === 0xae) p1s.push((command[2] as number).toString(16).padStart(2, '0'));
        return Promise.resolve(chip.transmit(command));
      },
    };
  }

  it('an offline terminal with online capability (22) asks for a TC below the floor limit, and the card approves offline', async () => {
    const chip = card('visa-offline-approve');
    const recorder = generateAcP1s(chip);
    const d = deps(chip, 'entered', terminal(22));
    const txn = await EmvTransaction.start({ ...d, env: { ...d.env, transmit: recorder.transmit } }, testRequest());
    expect(recorder.p1s).toEqual(['40']);
    expect(txn.firstDecision).toBe('approved-offline');
    txn.wipe();
  });

  it.each([21, 24])('an online-only terminal (%i) asks the same card for an ARQC, never a TC', async (terminalType) => {
    const chip = card('visa-offline-approve');
    const recorder = generateAcP1s(chip);
    const d = deps(chip, 'entered', terminal(terminalType));
    const txn = await EmvTransaction.start({ ...d, env: { ...d.env, transmit: recorder.transmit } }, testRequest());
    try {
      expect(recorder.p1s).toEqual(['80']);
      expect(txn.firstDecision).toBe('online');
      expect(txn.summary().cryptogramType).toBe('ARQC');
    } finally {
      txn.wipe();
    }
  });

  it.each([
    ['no TAC-default bit set in the TVR → Y3, a TC asked and given', '0000000000', 'Y3', '40', 'approved'],
    ['TAC-default naming "different application versions", which this card sets → Z3, an AAC', '0080000000', 'Z3', '00', 'declined'],
  ])('an online-only terminal unable to go online: the default codes decide, %s', async (_name, tacDefault, arc, secondP1, decision) => {
    const chip = card('visa-offline-approve');
    const recorder = generateAcP1s(chip);
    const d = deps(chip, 'entered', terminal(21, tacDefault));
    const txn = await EmvTransaction.start({ ...d, env: { ...d.env, transmit: recorder.transmit } }, testRequest());
    try {
      const completion = await txn.complete({ kind: 'unable-to-go-online' });
      expect(recorder.p1s).toEqual(['80', secondP1]);
      expect(completion.arc.toString('latin1')).toBe(arc);
      expect(completion.decision).toBe(decision);
    } finally {
      txn.wipe();
    }
  });
});

describe('the EMV contact reader over a slot', () => {
  function slotWith(chip: ApduCard): CardSlot & { disconnects: number } {
    const slot = {
      name: 'test-slot',
      disconnects: 0,
      waitForCard: () =>
        Promise.resolve({
          atr: chip.atr,
          transmit: (command: Buffer) => Promise.resolve(chip.transmit(command)),
          removed: Promise.resolve(),
          disconnect: () => {
            slot.disconnects++;
            return Promise.resolve();
          },
        }),
      state: () => 'connected' as const,
      close: () => Promise.resolve(),
    };
    return slot;
  }

  it('reads a chip card, asks the PIN pad through the engine, and completes with a host decline', async () => {
    const slot = slotWith(card('visa-online-pin'));
    const reader = createEmvContactReader({ slot, kernel: kernel() });
    let pinAsked = 0;
    const read = (await reader.readCard(
      { amountMinor: 1234, currency: '826', enterOnlinePin: () => Promise.resolve(void pinAsked++) },
      new AbortController().signal,
    )) as ChipRead;
    expect(read.entryMode).toBe('chip');
    expect(read.firstDecision).toBe('online');
    expect(read.onlinePinEntered).toBe(true);
    expect(pinAsked).toBe(1);
    expect(read.emv?.cvmResults?.slice(0, 2)).toMatch(/^[04]2$/);
    expect(JSON.stringify(read.emv)).not.toContain(read.card.pan.revealText());
    const completion = await reader.completeChip({ approved: false, responseCode: '05', issuerTlv: Buffer.alloc(0) }, new AbortController().signal);
    expect(completion.decision).toBe('declined');
    expect(slot.disconnects).toBe(1);
    read.card.pan.wipe();
    read.chip.tlv.wipe();
  });

  it('with no stripe reader a chip failure is CHIP_READ_FAILED', async () => {
    const reader = createEmvContactReader({ slot: slotWith(unreadableChip(card('visa-dda').atr)), kernel: kernel() });
    await expect(reader.readCard({ amountMinor: 100, currency: '826' }, new AbortController().signal)).rejects.toMatchObject({ code: 'CHIP_READ_FAILED' });
  });

  it('a card that says its application is blocked has decided: no chip failure, no fallback', async () => {
    const reader = createEmvContactReader({ slot: slotWith(card('visa-blocked')), kernel: kernel() });
    await expect(reader.readCard({ amountMinor: 100, currency: '826' }, new AbortController().signal)).rejects.toMatchObject({ code: 'EMV_APPLICATION_BLOCKED' });
  });
});
