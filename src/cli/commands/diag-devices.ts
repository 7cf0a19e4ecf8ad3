/**
 * `pos diag devices [--json]`: what is attached and whether the configured
 * devices answer.
 *
 * - Serial ports (serialport's `SerialPort.list()`) and HID devices
 *   (node-hid, loaded only here and only now) with their USB vendor/product
 *   IDs, each marked when a table of known IDs names it. A match is by IDs
 *   only — nothing is probed, so nothing can be misidentified because
 *   "something answered".
 * - Each configured device is opened and pinged in its own protocol with the
 *   round-trip time, where the protocol has a ping (MagTek: GET_PROPERTY
 *   SOFTWARE_ID over feature reports); a display gets a self-test write;
 *   others are opened and closed.
 * - When node-hid cannot load, the listing says why (and which package to
 *   install) and still lists serial ports.
 */
import type { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import { magtekSoftwareId } from '../../../drivers/magtek-hid/commands.js';
import { MAGTEK_FEATURE_REPORT_BYTES, MAGTEK_VENDOR_ID } from '../../../drivers/magtek-hid/index.js';
import { loadNodeHid, type NodeHidModule } from '../../../drivers/transport/hid-library.js';
import { hex4, openHidTransport } from '../../../drivers/transport/hid-node-transport.js';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { createVfdDisplay } from '../../../drivers/vfd-display/vfd-display.js';
import { createVerifonePinPad } from '../../../drivers/verifone-pinpad/index.js';
import { createVivopayReader, vivopayOverHid } from '../../../drivers/vivopay/index.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { asPosError, type PosError } from '../../util/errors.js';
import { action, printJson } from '../errors.js';
import { diagCommand } from './diag-host.js';
import type { RegisterCommand } from './index.js';

export type KnownKind = 'card-reader' | 'pin-pad' | 'display' | 'usb-serial-adapter';

export interface KnownDevice {
  readonly vendorId: number;
  /** Absent: any product of the vendor (marked as a vendor match). */
  readonly productId?: number;
  readonly kind: KnownKind;
  readonly name: string;
}

/** USB IDs this terminal knows. A vendor-only row says "a device of this maker", never which one. */
export const KNOWN_DEVICES: readonly KnownDevice[] = [
  { vendorId: MAGTEK_VENDOR_ID, productId: 0x0002, kind: 'card-reader', name: 'MagTek USB HID swipe reader' },
  { vendorId: MAGTEK_VENDOR_ID, productId: 0x0011, kind: 'card-reader', name: 'MagTek MagneSafe encrypting reader (HID)' },
  { vendorId: MAGTEK_VENDOR_ID, kind: 'card-reader', name: 'MagTek device' },
  { vendorId: 0x0acd, kind: 'card-reader', name: 'ID TECH / ViVOpay device' },
  { vendorId: 0x11ca, kind: 'pin-pad', name: 'VeriFone device' },
  { vendorId: 0x04b8, kind: 'display', name: 'Epson device (DM-D customer display?)' },
  { vendorId: 0x0403, productId: 0x6001, kind: 'usb-serial-adapter', name: 'FTDI FT232R USB-serial' },
  { vendorId: 0x067b, productId: 0x2303, kind: 'usb-serial-adapter', name: 'Prolific PL2303 USB-serial' },
  { vendorId: 0x10c4, productId: 0xea60, kind: 'usb-serial-adapter', name: 'Silicon Labs CP210x USB-serial' },
  { vendorId: 0x1a86, productId: 0x7523, kind: 'usb-serial-adapter', name: 'WCH CH340 USB-serial' },
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
  readonly configured: readonly PingResult[];
}

export interface DiagDeps {
  readonly listSerial: () => Promise<{ path: string; vendorId?: string | undefined; productId?: string | undefined; manufacturer?: string | undefined }[]>;
  readonly loadHid: () => Promise<NodeHidModule>;
  readonly openSerial: typeof openSerialTransport;
  readonly now: () => number;
}

export const REAL_DEPS: DiagDeps = {
  listSerial: () => SerialPort.list(),
  loadHid: () => loadNodeHid(),
  openSerial: openSerialTransport,
  now: () => performance.now(),
};

const errorOf = (e: PosError): { code: string; message: string } => ({ code: e.code, message: e.message });

export async function collectDeviceReport(config: Config, deps: DiagDeps = REAL_DEPS): Promise<DeviceReport> {
  const { reader, display, pinpad } = config.devices;
  const configuredPaths = new Map<string, string>();
  const configuredHid = new Map<string, string>();
  for (const [role, d] of [['reader', reader], ['display', display], ['pinpad', pinpad]] as const) {
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

  const configured: PingResult[] = [await checkReader(reader, hidLib, deps), await checkPinpad(pinpad, deps), await checkDisplay(display, deps)];
  return { serial, hid, configured };
}

async function checkReader(reader: Config['devices']['reader'], hidLib: NodeHidModule | undefined, deps: DiagDeps): Promise<PingResult> {
  const base = { device: 'reader', type: reader.type };
  try {
    switch (reader.type) {
      case 'magtek-hid': {
        if (hidLib === undefined) return { ...base, ok: false, check: 'none', error: { code: 'HID_LIBRARY_UNAVAILABLE', message: 'node-hid is not available' } };
        const t = await openHidTransport({ vendorId: reader.vendorId, productId: reader.productId, featureReportBytes: MAGTEK_FEATURE_REPORT_BYTES }, hidLib);
        try {
          const started = deps.now();
          const answer = await magtekSoftwareId(t);
          return { ...base, ok: true, check: 'ping', rttMs: round(deps.now() - started), answer: `software ID ${answer}` };
        } finally {
          await t.close();
        }
      }
      case 'keyboard-msr-hid': {
        if (hidLib === undefined) return { ...base, ok: false, check: 'none', error: { code: 'HID_LIBRARY_UNAVAILABLE', message: 'node-hid is not available' } };
        // A keyboard has no request/response: opening it by its IDs is the check.
        const t = await openHidTransport({ vendorId: reader.vendorId, productId: reader.productId }, hidLib);
        await t.close();
        return { ...base, ok: true, check: 'open' };
      }
      case 'msr-serial': {
        const t = await deps.openSerial({ path: reader.path, baudRate: reader.baudRate });
        await t.close();
        return { ...base, ok: true, check: 'open' };
      }
      case 'virtual':
        return { ...base, ok: true, check: 'none', answer: 'virtual (simulation)' };
      case 'vivopay': {
        // Protocol 2 ping (18-01): the reader answers with its own frame, CRC checked.
        const transport =
          reader.transport === 'serial'
            ? await deps.openSerial({ path: reader.path, baudRate: reader.baudRate })
            : vivopayOverHid(await openHidTransport({ vendorId: reader.vendorId, productId: reader.productId }, hidLib ?? (await deps.loadHid())));
        const driver = createVivopayReader(transport);
        try {
          const started = deps.now();
          await driver.ping();
          return { ...base, ok: true, check: 'ping', rttMs: round(deps.now() - started) };
        } finally {
          await driver.close();
        }
      }
    }
  } catch (err) {
    return { ...base, ok: false, check: 'none', error: errorOf(asPosError(err, 'diag reader')) };
  }
}

/** The PIN pad's status: a display message (Z2) it must acknowledge at the link level — nothing a cardholder could mistake for a PIN prompt. */
async function checkPinpad(pinpad: Config['devices']['pinpad'], deps: DiagDeps): Promise<PingResult> {
  const base = { device: 'pinpad', type: pinpad.type };
  try {
    switch (pinpad.type) {
      case 'none':
        return { ...base, ok: true, check: 'none', answer: 'no PIN pad configured' };
      case 'virtual':
        return { ...base, ok: true, check: 'none', answer: 'virtual (simulation)' };
      case 'verifone-serial': {
        const transport = await deps.openSerial({ path: pinpad.path, baudRate: pinpad.baudRate, dataBits: pinpad.dataBits, parity: pinpad.parity });
        const pad = createVerifonePinPad(transport);
        try {
          const started = deps.now();
          await pad.showMessage(['POS DIAG']);
          return { ...base, ok: true, check: 'status', rttMs: round(deps.now() - started) };
        } finally {
          await pad.close();
        }
      }
    }
  } catch (err) {
    return { ...base, ok: false, check: 'none', error: errorOf(asPosError(err, 'diag pinpad')) };
  }
}

async function checkDisplay(display: Config['devices']['display'], deps: DiagDeps): Promise<PingResult> {
  const base = { device: 'display', type: display.type };
  if (display.type !== 'vfd-serial') return { ...base, ok: true, check: 'none', answer: `${display.type} (no hardware)` };
  try {
    const transport = await deps.openSerial({ path: display.path, baudRate: display.baudRate });
    const vfd = createVfdDisplay(transport, { emulation: display.emulation });
    try {
      const started = deps.now();
      await vfd.initialize();
      await vfd.selfTestWrite();
      return { ...base, ok: true, check: 'self-test-write', rttMs: round(deps.now() - started), answer: 'look at the display: POS DIAG 0123456789' };
    } finally {
      await vfd.close();
    }
  } catch (err) {
    return { ...base, ok: false, check: 'none', error: errorOf(asPosError(err, 'diag display')) };
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
  lines.push('Configured devices:');
  for (const c of report.configured) {
    const outcome = c.ok ? `ok (${c.check}${c.rttMs === undefined ? '' : `, ${c.rttMs} ms`})` : `FAILED ${c.error?.code ?? ''}: ${c.error?.message ?? ''}`;
    lines.push(`  ${c.device.padEnd(8)} ${c.type.padEnd(17)} ${outcome}${c.answer ? ` — ${c.answer}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

function describe(known: KnownMatch | undefined, configuredAs: string | undefined): string {
  const parts: string[] = [];
  if (known) parts.push(`[${known.kind}: ${known.name}${known.match === 'vendor' ? ', by vendor ID' : ''}]`);
  if (configuredAs) parts.push(`<configured ${configuredAs}>`);
  return parts.join(' ');
}

export const registerDiagDevices: RegisterCommand = (program: Command) => {
  const diag = diagCommand(program);
  diag
    .command('devices')
    .description('list serial ports and HID devices (known IDs marked) and check each configured device')
    .option('--json', 'print the report as JSON')
    .action(
      action('pos diag devices', async (own: { json?: boolean }) => {
        // `--json` may land on `diag` (which has its own) or on `devices`: either means JSON.
        const opts = { json: own.json === true || diag.opts<{ json?: boolean }>().json === true };
        const { config } = loadConfig({ path: program.opts<{ config?: string }>().config });
        const report = await collectDeviceReport(config);
        if (opts.json) printJson(report);
        else process.stdout.write(formatDeviceReport(report));
        if (report.configured.some((c) => !c.ok)) process.exitCode = 1;
      }),
    );
};
