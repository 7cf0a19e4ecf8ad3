/**
 * The device kinds, keyed by the config's `type`: one table a role, read by
 * the terminal (`devices.ts`: open) and by `pos diag devices` (probe, USB
 * IDs). A kind is one module beside its driver (`drivers/<family>/kind.ts`);
 * its config schema is the same `type` in `src/config/schema.ts`.
 *
 * The tables are typed from the schema: a wired `type` without its kind, a
 * kind under a type that does not exist, or a kind that reads a field its
 * type does not have is a compile error. Adding a reader (PC/SC) is its
 * schema entry, its `kind.ts`, and one line here.
 */
import type { DisplayConfig, PinpadConfig, PrinterConfig, ReaderConfig } from '../config/schema.js';
import type { CardReader } from '../devices/card-reader.js';
import type { Display } from '../devices/display.js';
import type { PinPad } from '../devices/pin-pad.js';
import type { Printer } from '../devices/printer.js';
import type { Logger } from '../log/logger.js';
import { PosError } from '../util/errors.js';
import type { Attached } from '../../drivers/reconnect/resilient-devices.js';
import { KEYBOARD_MSR_KIND } from '../../drivers/keyboard-msr/kind.js';
import { MAGTEK_HID_KIND } from '../../drivers/magtek-hid/kind.js';
import { MSR_SERIAL_KIND } from '../../drivers/msr-serial/kind.js';
import { PCSC_KIND } from '../../drivers/pcsc/kind.js';
import type { ChipKernel } from '../../drivers/shared/chip-kernel.js';
import type { DeviceContext, DeviceKind, ReaderAidSettings } from '../../drivers/shared/device-kind.js';
import { ESCPOS_PRINTER_KIND } from '../../drivers/escpos-printer/kind.js';
import { openHidTransport } from '../../drivers/transport/hid-node-transport.js';
import { openSerialTransport } from '../../drivers/transport/serial-transport.js';
import { VERIFONE_PINPAD_KIND } from '../../drivers/verifone-pinpad/kind.js';
import { VFD_DISPLAY_KIND } from '../../drivers/vfd-display/kind.js';
import { VIVOPAY_KIND } from '../../drivers/vivopay/kind.js';

/** The config types that name no hardware: `virtual` (simulation), `console` and `none` (nothing to open). */
const UNWIRED = ['virtual', 'console', 'none'] as const;
export type UnwiredType = (typeof UNWIRED)[number];

/** A role's config types that name hardware, each opened by its kind. */
export type Wired<C extends { readonly type: string }> = Exclude<C, { readonly type: UnwiredType }>;
export type WiredReaderConfig = Wired<ReaderConfig>;
export type WiredPinpadConfig = Wired<PinpadConfig>;
export type WiredDisplayConfig = Wired<DisplayConfig>;
export type WiredPrinterConfig = Wired<PrinterConfig>;

/** Under each wired `type`, the kind that opens a config of that type. */
export type KindTable<C extends { readonly type: string }, D> = { readonly [T in C['type']]: DeviceKind<Extract<C, { readonly type: T }>, D> };

export const READER_KINDS: KindTable<WiredReaderConfig, CardReader> = {
  'msr-serial': MSR_SERIAL_KIND,
  'magtek-hid': MAGTEK_HID_KIND,
  'keyboard-msr-hid': KEYBOARD_MSR_KIND,
  vivopay: VIVOPAY_KIND,
  pcsc: PCSC_KIND,
};

export const PINPAD_KINDS: KindTable<WiredPinpadConfig, PinPad> = {
  'verifone-serial': VERIFONE_PINPAD_KIND,
};

export const DISPLAY_KINDS: KindTable<WiredDisplayConfig, Display> = {
  'vfd-serial': VFD_DISPLAY_KIND,
};

export const PRINTER_KINDS: KindTable<WiredPrinterConfig, Printer> = {
  escpos: ESCPOS_PRINTER_KIND,
};

/** Every kind, for the table of USB IDs. */
export const ALL_KINDS: readonly DeviceKind<never, unknown>[] = [...Object.values(READER_KINDS), ...Object.values(PINPAD_KINDS), ...Object.values(DISPLAY_KINDS), ...Object.values(PRINTER_KINDS)];

/** Whether `config` names hardware (its kind opens it). */
export function isWired<C extends { readonly type: string }>(config: C): config is Wired<C> {
  return !(UNWIRED as readonly string[]).includes(config.type);
}

/** The kind of `config`'s type. */
export function kindOf<C extends { readonly type: string }, D>(table: KindTable<C, D>, config: C): DeviceKind<C, D> {
  // The table's type says that the kind under `config.type` takes exactly that type's config; TypeScript cannot follow the correlation.
  return table[config.type as C['type']] as unknown as DeviceKind<C, D>;
}

/** The real wires: serial ports through serialport, HID devices through node-hid (loaded on the first HID open); `chipKernel` for a reader that runs EMV, `readerAids` (the config's `emv.aids`) for one that holds its own tables. */
export function realDeviceContext(logger: Logger, chipKernel: () => ChipKernel, readerAids: readonly ReaderAidSettings[] = []): DeviceContext {
  const context: DeviceContext = {
    openSerial: (options) => openSerialTransport(options),
    openHid: (options) => openHidTransport(options),
    logger,
    now: () => performance.now(),
    chipKernel,
    openReader: (config) => openReaderOf(config, context),
    readerAids,
  };
  return context;
}

/** Opens `config` with its reader kind: a paired stripe reader, whose section the schema has already checked. */
export function openReaderOf(config: { readonly type: string }, context: DeviceContext): Promise<Attached<CardReader>> {
  if (!Object.hasOwn(READER_KINDS, config.type) || config.type === 'pcsc') {
    return Promise.reject(new PosError('INTERNAL', `a paired reader cannot be of type "${config.type}"`, { type: config.type }));
  }
  return kindOf(READER_KINDS, config as WiredReaderConfig).open(config as WiredReaderConfig, context);
}
