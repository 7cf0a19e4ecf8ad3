/**
 * `reader: { type: 'pcsc', readerName, stripe? }`: a contact chip reader on
 * PC/SC (a USB CCID reader through pcscd) with the terminal's own EMV kernel
 * over it, and optionally a magstripe reader paired with it for swipes and
 * for fallback after a chip failure (a CCID reader has no stripe).
 *
 * The slot finds its reader again by itself when pcscd restarts or the
 * reader is replugged, so the reconnector only hears of a loss from the
 * paired stripe reader's wire.
 */
import type { CardReader } from '../../src/devices/card-reader.js';
import { PosError } from '../../src/util/errors.js';
import type { Attached } from '../reconnect/resilient-devices.js';
import type { DeviceContext, DeviceKind } from '../shared/device-kind.js';
import { createEmvContactReader, type CardSlot } from './emv-contact-reader.js';
import { openPcscSlot, type PcscSlot, type SlotStatus } from './pcsc-slot.js';

export interface PcscReaderConfig {
  /** A regular expression over pcscd's reader names; the first that matches is used. */
  readonly readerName: string;
  readonly stripe?: { readonly type: string } | undefined;
}

/** The CCID class: PC/SC readers are found by pcscd, not by IDs; this names the common ones in `pos diag devices`. */
const CCID_READERS = [
  { vendorId: 0x072f, name: 'ACS smart-card reader (CCID)' },
  { vendorId: 0x076b, name: 'HID Omnikey smart-card reader (CCID)' },
  { vendorId: 0x04e6, name: 'Identiv / SCM smart-card reader (CCID)' },
  { vendorId: 0x08e6, name: 'Gemalto smart-card reader (CCID)' },
] as const;

/** How long a probe waits for the slot's first look at pcscd. */
const PROBE_SETTLE_MS = 3000;

const patternOf = (config: PcscReaderConfig): RegExp => new RegExp(config.readerName, 'u');

/** The slot as the contact reader sees it: connected while its reader is in pcscd's list. */
export function cardSlotOf(slot: PcscSlot, name: string): CardSlot {
  return {
    name,
    waitForCard: async (signal) => {
      const session = await slot.waitForCard(signal);
      return {
        atr: session.atr,
        transmit: session.transmit,
        removed: session.removed,
        disconnect: () => {
          session.disconnect();
          return Promise.resolve();
        },
      };
    },
    state: () => {
      const { state } = slot.state();
      if (state === 'closed') return 'closed';
      return state === 'empty' || state === 'card-present' ? 'connected' : 'disconnected';
    },
    close: () => slot.close(),
  };
}

async function open(config: PcscReaderConfig, context: DeviceContext): Promise<Attached<CardReader>> {
  const kernel = context.chipKernel();
  const stripe = config.stripe === undefined ? undefined : await context.openReader(config.stripe);
  let slot: PcscSlot;
  try {
    slot = await openPcscSlot({ readerPattern: patternOf(config), logger: context.logger });
  } catch (error) {
    await stripe?.device.close();
    await stripe?.release?.();
    throw error;
  }
  const device = createEmvContactReader({ slot: cardSlotOf(slot, `pcsc:${config.readerName}`), kernel, ...(stripe === undefined ? {} : { stripe: stripe.device }), logger: context.logger });
  return {
    device,
    transport: stripe?.transport ?? { onClose: () => () => undefined, close: () => slot.close() },
    ...(stripe?.release === undefined ? {} : { release: stripe.release }),
  };
}

/** The slot's first settled state, or `starting` when pcscd did not answer in time. */
function settled(slot: PcscSlot, timeoutMs: number): Promise<SlotStatus> {
  return new Promise((resolve) => {
    const done = (status: SlotStatus): void => {
      clearTimeout(timer);
      off();
      resolve(status);
    };
    const timer = setTimeout(() => done(slot.state()), timeoutMs);
    const off = slot.onReaderChange((status) => {
      if (status.state !== 'starting') done(status);
    });
    if (slot.state().state !== 'starting') done(slot.state());
  });
}

export const PCSC_KIND: DeviceKind<PcscReaderConfig, CardReader> = {
  role: 'reader',
  usbIds: CCID_READERS,
  target: (config) => `pcsc:${config.readerName === '' ? '(first reader)' : config.readerName}`,
  open,
  // No card is touched: the check is that pcscd answers and lists a reader the pattern matches.
  probe: async (config, context) => {
    const slot = await openPcscSlot({ readerPattern: patternOf(config), logger: context.logger });
    try {
      const status = await settled(slot, PROBE_SETTLE_MS);
      if (status.state === 'no-service' || status.state === 'starting') throw new PosError('PCSC_SERVICE_UNAVAILABLE', 'pcscd is not running', { failure: 'no-service' });
      if (status.reader === undefined) {
        throw new PosError('PCSC_READER_NOT_FOUND', `No PC/SC reader matches readerName "${config.readerName}"`, { readerName: config.readerName });
      }
      return { check: 'open', answer: `${status.reader}: ${status.state === 'card-present' ? 'card in' : 'no card'}` };
    } finally {
      await slot.close();
    }
  },
};
