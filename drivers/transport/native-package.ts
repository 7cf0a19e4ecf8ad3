/**
 * An optional native package (node-hid, smartcard) loaded by `import()` on
 * first use: only a configuration with such a device pays for the addon, and
 * a host where it cannot load gets the caller's `PosError` naming what to
 * install instead of a crash at start. A failed load is not kept, so
 * installing the package and retrying works without a restart.
 */
import type { PosError } from '../../src/util/errors.js';

/** How a package is imported; tests pass one that fails or returns a fake module. */
export type PackageImporter = () => Promise<unknown>;

export interface NativePackage<T> {
  /** The import the process does when the caller passes none. */
  readonly importer: PackageImporter;
  /**
   * The module's exports (its `default` when that is an object, as a
   * CommonJS package imported from ESM gives them) as what the caller uses;
   * throws the caller's `PosError` when they are not what it needs.
   */
  readonly adapt: (exports: unknown) => T;
  /** The error a failed import becomes; the loader's own error is its `cause`. */
  readonly unavailable: (cause: unknown) => PosError;
}

/**
 * A loader for `pkg`: with no importer it imports once and keeps the adapted
 * module (a failure is forgotten); with one (tests) it imports through it
 * every time and keeps nothing.
 */
export function nativePackageLoader<T>(pkg: NativePackage<T>): (importer?: PackageImporter) => Promise<T> {
  let cached: Promise<T> | undefined;
  const load = async (importer: PackageImporter): Promise<T> => {
    let mod: unknown;
    try {
      mod = await importer();
    } catch (err) {
      throw pkg.unavailable(err);
    }
    return pkg.adapt(isRecord(mod) && isRecord(mod['default']) ? mod['default'] : mod);
  };
  return (importer) => {
    if (importer !== undefined) return load(importer);
    cached ??= load(pkg.importer).catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}

/** An object or a function: something with properties to read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
