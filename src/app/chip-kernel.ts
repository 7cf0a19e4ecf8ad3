/**
 * The EMV kernel a chip reader is opened with, from the config: the `emv`
 * section as the kernel's types (hex as bytes), the terminal's identity
 * (9F1A, 9F16, 9F1C from `terminal`), the CA keys (the named sets, the
 * configured keys, and any the caller adds — the simulation's CA), what
 * cardholder verification this terminal can do, and the day's split-sales log.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Capk, KernelConfig } from '../emv/kernel/config.js';
import { CAPK_LAB_SETS, CapkTable } from '../emv/kernel/oda/index.js';
import { SplitSalesLog } from '../emv/kernel/split-sales.js';
import type { ChipKernel } from '../../drivers/shared/chip-kernel.js';

const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** Terminal Type (9F35, Book 4 Annex A1): a last digit of 1–3 is attended, so a signature can be taken. */
function attended(terminalType: number): boolean {
  return terminalType % 10 <= 3;
}

export function kernelConfigOf(config: Config, extraCapks: readonly Capk[] = []): KernelConfig {
  const { emv, terminal } = config;
  return {
    terminal: {
      terminalCapabilities: bytes(emv.terminal.capabilities),
      additionalTerminalCapabilities: bytes(emv.terminal.additionalCapabilities),
      terminalType: emv.terminal.type,
      countryCode: bytes(terminal.country.padStart(4, '0')),
      merchantCategoryCode: bytes(emv.terminal.merchantCategoryCode),
      merchantIdentifier: Buffer.from(terminal.merchantId, 'latin1'),
      terminalIdentification: Buffer.from(terminal.id, 'latin1'),
      ifdSerialNumber: Buffer.from(emv.terminal.ifdSerialNumber, 'latin1'),
    },
    aids: emv.aids.map((a) => ({
      aid: bytes(a.aid),
      partialSelection: a.partialSelection,
      applicationVersion: bytes(a.applicationVersion),
      tac: { default: bytes(a.tac.default), denial: bytes(a.tac.denial), online: bytes(a.tac.online) },
      floorLimitMinor: a.floorLimit,
      randomSelection: { thresholdMinor: a.randomSelection.threshold, targetPercent: a.randomSelection.targetPercent, maxTargetPercent: a.randomSelection.maxTargetPercent },
      defaultDdol: bytes(a.defaultDdol),
      defaultTdol: bytes(a.defaultTdol),
    })),
    capks: [
      ...emv.capkSets.flatMap((name) => CAPK_LAB_SETS[name]),
      ...emv.capks.map((k) => ({ rid: bytes(k.rid), index: k.index, modulus: bytes(k.modulus), exponent: bytes(k.exponent), expiry: k.expiry, checksum: bytes(k.checksum) })),
      ...extraCapks,
    ],
    revoked: emv.revoked.map((r) => ({ rid: bytes(r.rid), capkIndex: r.index, serial: bytes(r.serial) })),
  };
}

/** Throws `EMV_CAPK_INVALID` (kind config) when a CA key's checksum or form is wrong. */
export function chipKernelOf(config: Config, options: { readonly extraCapks?: readonly Capk[]; readonly now?: () => Date } = {}): ChipKernel {
  const kernelConfig = kernelConfigOf(config, options.extraCapks);
  const now = options.now ?? (() => new Date());
  return {
    config: kernelConfig,
    capks: CapkTable.load(kernelConfig.capks, kernelConfig.revoked),
    cvm: { onlinePin: config.devices.pinpad.type !== 'none', signature: attended(kernelConfig.terminal.terminalType) },
    splitSales: new SplitSalesLog(now),
    now,
    unpredictableNumber: () => randomBytes(4),
    randomPercent: () => randomInt(100),
  };
}
