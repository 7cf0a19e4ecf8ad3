/**
 * Loading `node-hid` (hidapi 0.14 bindings) lazily: only a configuration with
 * a HID device pays for the native module, and a host without its system
 * library gets a `PosError` naming the package to install instead of a crash
 * when the process starts. On Linux node-hid's prebuilt binding uses the
 * hidraw backend, which links libudev (`libudev1`); the libusb backend needs
 * `libusb-1.0-0`.
 *
 * Only the slice of node-hid this project uses is typed here, so tests can
 * pass a fake module with the same shape.
 */
import { EventEmitter } from 'node:events';
import { PosError } from '../../src/util/errors.js';
import { nativePackageLoader, type PackageImporter } from './native-package.js';

/** One enumerated device, as node-hid's `devicesAsync()` lists it. */
export interface NodeHidDeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly path?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly interface: number;
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
}

/** An open device (node-hid's `HIDAsync`): emits `data` (Buffer) per input report and `error` when the device fails. */
export interface NodeHidHandle extends EventEmitter {
  write(values: Buffer): Promise<number>;
  getFeatureReport(reportId: number, reportLength: number): Promise<Buffer>;
  sendFeatureReport(data: Buffer): Promise<number>;
  close(): Promise<void>;
}

export interface NodeHidModule {
  devicesAsync(): Promise<NodeHidDeviceInfo[]>;
  openPath(path: string): Promise<NodeHidHandle>;
}

/** How the module is imported; tests pass one that fails or returns a fake. */
export type NodeHidImporter = PackageImporter;

/** The system package each native library comes from (Debian / Raspberry Pi OS names). */
export const HID_SYSTEM_PACKAGES = {
  hidraw: 'libudev1',
  libusb: 'libusb-1.0-0',
} as const;

/**
 * Imports node-hid once and adapts it. Rejects with `HID_LIBRARY_UNAVAILABLE`
 * (kind `config`; details: `package`, `backend`) when the binding or its
 * system library cannot load; the loader's own error is the `cause`.
 */
export const loadNodeHid: (importer?: NodeHidImporter) => Promise<NodeHidModule> = nativePackageLoader({
  importer: () => import('node-hid'),
  adapt,
  unavailable: libraryUnavailable,
});

function adapt(exports: unknown): NodeHidModule {
  const lib = exports as Record<string, unknown>;
  const devicesAsync = lib['devicesAsync'];
  const hidAsync = lib['HIDAsync'] as { open?: unknown } | undefined;
  if (typeof devicesAsync !== 'function' || hidAsync === undefined || typeof hidAsync.open !== 'function') {
    throw libraryUnavailable(new Error('node-hid has no devicesAsync/HIDAsync: version 3 or later is needed'));
  }
  const open = hidAsync.open as (path: string) => Promise<NodeHidHandle>;
  return {
    devicesAsync: () => (devicesAsync as () => Promise<NodeHidDeviceInfo[]>).call(lib),
    openPath: (path) => open.call(hidAsync, path),
  };
}

/** Which package a load failure points at: the library named in the loader's message, else the hidraw backend's. */
export function libraryUnavailable(cause: unknown): PosError {
  const text = cause instanceof Error ? cause.message : '';
  const backend = /libusb/i.test(text) ? 'libusb' : 'hidraw';
  const pkg = HID_SYSTEM_PACKAGES[backend];
  return new PosError(
    'HID_LIBRARY_UNAVAILABLE',
    `node-hid cannot load its native library (${backend} backend): install it with \`apt-get install ${pkg}\``,
    { package: pkg, backend },
    { cause },
  );
}
