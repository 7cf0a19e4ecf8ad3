/**
 * What `pos diag devices [--json]` does: what is attached and whether the
 * configured devices answer.
 *
 * - Serial ports (the serialport binding's `list()`) and HID devices
 *   (node-hid, loaded only here and only now) with their USB vendor/product
 *   IDs, each marked when a known ID names it: the device kinds' IDs and the
 *   USB-serial adapters'. A match is by IDs only — nothing is probed, so
 *   nothing can be misidentified because "something answered".
 * - Each configured device is checked by its kind's `probe`
 *   (`drivers/<family>/kind.ts`, the same module `pos run` opens it with):
 *   pinged in its own protocol with the round-trip time where the protocol
 *   has a ping (MagTek: GET_PROPERTY SOFTWARE_ID over feature reports), a
 *   display gets a self-test write, a receipt printer is asked its status
 *   (DLE EOT 1: on-line or off-line), others are opened and closed.
 * - When node-hid cannot load, the listing says why (and which package to
 *   install) and still lists serial ports.
 * - The PC/SC readers pcscd sees (`drivers/pcsc`, the `smartcard` addon
 *   loaded only here and only now), each with whether a card is in it and
 *   its ATR; "pcscd is not running" is said as such, not as a failure.
 */
import { performance } from 'node:perf_hooks';
import type { DeviceContext, DeviceKind, DeviceRole } from '../../../drivers/shared/device-kind.js';
import { listPcscReaders, type PcscReaderEntry, type PcscReaderListing } from '../../../drivers/pcsc/reader-list.js';
import { loadNodeHid, type NodeHidModule } from '../../../drivers/transport/hid-library.js';
import { hex4, openHidTransport } from '../../../drivers/transport/hid-node-transport.js';
import { openSerialTransport, platformSerialBinding } from '../../../drivers/transport/serial-transport.js';
import { USB_SERIAL_ADAPTERS } from '../../../drivers/transport/usb-serial-adapters.js';
import { chipKernelOf } from '../../app/chip-kernel.js';
import { ALL_KINDS, DISPLAY_KINDS, isWired, kindOf, openReaderOf, PINPAD_KINDS, PRINTER_KINDS, READER_KINDS, type KindTable, type UnwiredType, type Wired } from '../../app/device-kinds.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { silentLogger } from '../../log/logger.js';
import { asPosError, type PosError } from '../../util/errors.js';
import { printJson } from '../errors.js';

export type KnownKind = 'card-reader' | 'pin-pad' | 'display' | 'printer' | 'usb-serial-adapter';

export interface KnownDevice {
  readonly vendorId: number;
  /** Absent: any product of the vendor (marked as a vendor match). */
  readonly productId?: number;
  readonly kind: KnownKind;
  readonly name: string;
}

const KIND_OF_ROLE: Record<DeviceRole, KnownKind> = { reader: 'card-reader', pinpad: 'pin-pad', display: 'display', printer: 'printer' };

/** USB IDs this terminal knows: each device kind's, then the USB-serial adapters'. A vendor-only row says "a device of this maker", never which one. */
export const KNOWN_DEVICES: readonly KnownDevice[] = [
  ...ALL_KINDS.flatMap((k) => k.usbIds.map((id) => ({ ...id, kind: KIND_OF_ROLE[k.role] }))),
  ...USB_SERIAL_ADAPTERS.map((id) => ({ ...id, kind: 'usb-serial-adapter' as const })),
];

export interface KnownMatch {
  readonly kind: KnownKind;
  readonly name: string;
  readonly match: 'vendor+product' | 'vendor';
}

/** The most specific row for these IDs: vendor and product before vendor alone. */
export function identify(vendorId: number | undefined, productId: number | undefined): KnownMatch | undefined {
  if (vendorId === undefined) return undefined;
  const exact = KNOWN_DEVICES.find((d) => d.vendorId === vendorId && d.productId !== undefined && d.productId === productId);
  if (exact) return { kind: exact.kind, name: exact.name, match: 'vendor+product' };
  const vendor = KNOWN_DEVICES.find((d) => d.vendorId === vendorId && d.productId === undefined);
  return vendor ? { kind: vendor.kind, name: vendor.name, match: 'vendor' } : undefined;
}

export interface SerialEntry {
  readonly path: string;
  readonly vendorId?: string;
  readonly productId?: string;
  readonly manufacturer?: string;
  readonly known?: KnownMatch;
  readonly configuredAs?: string;
}

export interface HidEntry {
  readonly path?: string;
  readonly vendorId: string;
  readonly productId: string;
  readonly product?: string;
  readonly usagePage?: string;
  readonly known?: KnownMatch;
  readonly configuredAs?: string;
}

export interface PingResult {
  readonly device: string;
  readonly type: string;
  readonly ok: boolean;
  /** What was done: `ping` (a protocol round trip), `status` (a message the device must acknowledge), `self-test-write`, `open`. */
  readonly check: 'ping' | 'status' | 'self-test-write' | 'open' | 'none';
  readonly rttMs?: number;
  readonly answer?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface DeviceReport {
  readonly serial: readonly SerialEntry[] | { readonly error: { code: string; message: string } };
  readonly hid: readonly HidEntry[] | { readonly error: { code: string; message: string } };
  /** pcscd's readers, `{ status: 'no-service' }` when pcscd is not running, or why they could not be listed. */
  readonly pcsc: PcscReaderListing | { readonly error: { code: string; message: string } };
  readonly configured: readonly PingResult[];
}

export interface DiagDeps {
  readonly listSerial: () => Promise<{ path: string; vendorId?: string | undefined; productId?: string | undefined; manufacturer?: string | undefined }[]>;
  readonly loadHid: () => Promise<NodeHidModule>;
  readonly listPcsc: () => Promise<PcscReaderListing>;
  readonly openSerial: typeof openSerialTransport;
  readonly now: () => number;
}

export const REAL_DEPS: DiagDeps = {
  listSerial: () => platformSerialBinding().list(),
  loadHid: () => loadNodeHid(),
  listPcsc: () => listPcscReaders(),
  openSerial: openSerialTransport,
  now: () => performance.now(),
};

const errorOf = (e: PosError): { code: string; message: string } => ({ code: e.code, message: e.message });

export async function collectDeviceReport(config: Config, deps: DiagDeps = REAL_DEPS): Promise<DeviceReport> {
  const { reader, display, pinpad, printer } = config.devices;
  const configuredPaths = new Map<string, string>();
  const configuredHid = new Map<string, string>();
  for (const [role, d] of [['reader', reader], ['display', display], ['pinpad', pinpad], ['printer', printer]] as const) {
    if ('path' in d) configuredPaths.set(d.path, `${role} (${d.type})`);
    if ('vendorId' in d && 'productId' in d) configuredHid.set(`${d.vendorId}:${d.productId}`, `${role} (${d.type})`);
  }

  let serial: DeviceReport['serial'];
  try {
    serial = (await deps.listSerial()).map((p) => {
      const known = identify(parseHexId(p.vendorId), parseHexId(p.productId));
      const configuredAs = configuredPaths.get(p.path);
      return {
        path: p.path,
        ...(p.vendorId === undefined ? {} : { vendorId: p.vendorId.toLowerCase() }),
        ...(p.productId === undefined ? {} : { productId: p.productId.toLowerCase() }),
        ...(p.manufacturer === undefined ? {} : { manufacturer: p.manufacturer }),
        ...(known === undefined ? {} : { known }),
        ...(configuredAs === undefined ? {} : { configuredAs }),
      };
    });
  } catch (err) {
    serial = { error: errorOf(asPosError(err, 'serial list')) };
  }

  let hid: DeviceReport['hid'];
  let hidLib: NodeHidModule | undefined;
  try {
    hidLib = await deps.loadHid();
    hid = (await hidLib.devicesAsync()).map((d) => {
      const known = identify(d.vendorId, d.productId);
      const configuredAs = configuredHid.get(`${d.vendorId}:${d.productId}`);
      return {
        ...(d.path === undefined ? {} : { path: d.path }),
        vendorId: hex4(d.vendorId),
        productId: hex4(d.productId),
        ...(d.product === undefined ? {} : { product: d.product }),
        ...(d.usagePage === undefined ? {} : { usagePage: hex4(d.usagePage) }),
        ...(known === undefined ? {} : { known }),
        ...(configuredAs === undefined ? {} : { configuredAs }),
      };
    });
  } catch (err) {
    hid = { error: errorOf(asPosError(err, 'hid list')) };
  }

  let pcsc: DeviceReport['pcsc'];
  try {
    pcsc = await deps.listPcsc();
  } catch (err) {
    pcsc = { error: errorOf(asPosError(err, 'pcsc list')) };
  }

  // The library the listing loaded serves the probes too; if it failed, a HID probe tries again and says why.
  const context: DeviceContext = {
    openSerial: deps.openSerial,
    openHid: async (options) => openHidTransport(options, hidLib ?? (await deps.loadHid())),
    logger: silentLogger,
    now: deps.now,
    chipKernel: () => chipKernelOf(config),
    openReader: (stripe) => openReaderOf(stripe, context),
    readerAids: config.emv.aids,
  };
  const configured: PingResult[] = [await check('reader', reader, READER_KINDS, context), await check('pinpad', pinpad, PINPAD_KINDS, context), await check('display', display, DISPLAY_KINDS, context), await check('printer', printer, PRINTER_KINDS, context)];
  return { serial, hid, pcsc, configured };
}

/** What a configured device without hardware shows instead of a probe. */
const NO_HARDWARE: Readonly<Record<UnwiredType, (device: DeviceRole) => string>> = {
  virtual: () => 'virtual (simulation)',
  console: () => 'console (no hardware)',
  none: (device) => `no ${device === 'pinpad' ? 'PIN pad' : device} configured`,
};

function check<C extends { readonly type: string }, D>(device: DeviceRole, config: C, table: KindTable<Wired<C>, D>, context: DeviceContext): Promise<PingResult> {
  if (isWired(config)) return probe(device, config, kindOf(table, config), context);
  // Not wired, so one of NO_HARDWARE's types (the record, keyed by `UnwiredType`, names them all).
  const answer = (NO_HARDWARE as Readonly<Record<string, (device: DeviceRole) => string>>)[config.type]?.(device) ?? config.type;
  return Promise.resolve({ device, type: config.type, ok: true, check: 'none', answer });
}

/** The kind's probe; a failure is reported with its code, never thrown. */
async function probe<C extends { readonly type: string }, D>(device: DeviceRole, config: C, kind: DeviceKind<C, D>, context: DeviceContext): Promise<PingResult> {
  const base = { device, type: config.type };
  try {
    const { check, rttMs, answer } = await kind.probe(config, context);
    return { ...base, ok: true, check, ...(rttMs === undefined ? {} : { rttMs: round(rttMs) }), ...(answer === undefined ? {} : { answer }) };
  } catch (err) {
    return { ...base, ok: false, check: 'none', error: errorOf(asPosError(err, `diag ${device}`)) };
  }
}

function parseHexId(id: string | undefined): number | undefined {
  if (id === undefined || !/^[0-9a-f]{1,4}$/i.test(id)) return undefined;
  return parseInt(id, 16);
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The human-readable form of the report. */
export function formatDeviceReport(report: DeviceReport): string {
  const lines: string[] = ['Serial ports:'];
  if ('error' in report.serial) lines.push(`  unavailable: ${report.serial.error.code}: ${report.serial.error.message}`);
  else if (report.serial.length === 0) lines.push('  none');
  else for (const p of report.serial) lines.push(`  ${p.path}  ${p.vendorId ?? '----'}:${p.productId ?? '----'}  ${describe(p.known, p.configuredAs)}`.trimEnd());
  lines.push('HID devices:');
  if ('error' in report.hid) lines.push(`  unavailable: ${report.hid.error.code}: ${report.hid.error.message}`);
  else if (report.hid.length === 0) lines.push('  none');
  else for (const d of report.hid) lines.push(`  ${d.vendorId}:${d.productId}  ${d.path ?? ''}  ${d.product ?? ''}  ${describe(d.known, d.configuredAs)}`.trimEnd());
  lines.push('PC/SC readers:', ...formatPcsc(report.pcsc));
  lines.push('Configured devices:');
  for (const c of report.configured) {
    const outcome = c.ok ? `ok (${c.check}${c.rttMs === undefined ? '' : `, ${c.rttMs} ms`})` : `FAILED ${c.error?.code ?? ''}: ${c.error?.message ?? ''}`;
    lines.push(`  ${c.device.padEnd(8)} ${c.type.padEnd(17)} ${outcome}${c.answer ? ` — ${c.answer}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** PC/SC says each reader's card as a technician reads it. */
const CARD_STATE: Readonly<Record<PcscReaderEntry['card'], string>> = {
  present: 'card in',
  mute: 'card in, not answering its reset',
  empty: 'no card',
  unavailable: 'reader unavailable (driver error)',
};

function formatPcsc(pcsc: DeviceReport['pcsc']): string[] {
  if ('error' in pcsc) return [`  unavailable: ${pcsc.error.code}: ${pcsc.error.message}`];
  if (pcsc.status === 'no-service') return ['  pcscd is not running: start it (systemctl start pcscd.socket) or install it (apt-get install pcscd)'];
  if (pcsc.readers.length === 0) return ['  none'];
  return pcsc.readers.map((r) => `  ${r.name}  ${CARD_STATE[r.card]}${r.atr === undefined ? '' : `  ATR ${r.atr}`}`);
}

function describe(known: KnownMatch | undefined, configuredAs: string | undefined): string {
  const parts: string[] = [];
  if (known) parts.push(`[${known.kind}: ${known.name}${known.match === 'vendor' ? ', by vendor ID' : ''}]`);
  if (configuredAs) parts.push(`<configured ${configuredAs}>`);
  return parts.join(' ');
}

export async function runDiagDevices(opts: { readonly json: boolean }, configPath: string | undefined): Promise<void> {
  const { config } = loadConfig({ path: configPath });
  const report = await collectDeviceReport(config);
  if (opts.json) printJson(report);
  else process.stdout.write(formatDeviceReport(report));
  if (report.configured.some((c) => !c.ok)) process.exitCode = 1;
}
