/**
 * What a reader whose terminal runs EMV is opened with, besides its wire:
 * the kernel's configuration and CA keys, what cardholder verification the
 * terminal can do, today's approvals for the split-sales check, and the
 * clock and randomness the kernel is given (it has none of its own).
 */
import type { KernelConfig } from '../../src/emv/kernel/config.js';
import type { CvmCapabilities } from '../../src/emv/kernel/cvm.js';
import type { CapkTable } from '../../src/emv/kernel/oda/index.js';
import type { SplitSalesLog } from '../../src/emv/kernel/split-sales.js';

export interface ChipKernel {
  readonly config: KernelConfig;
  readonly capks: CapkTable;
  readonly cvm: CvmCapabilities;
  readonly splitSales: SplitSalesLog;
  readonly now: () => Date;
  /** 4 random bytes a call (9F37). */
  readonly unpredictableNumber: () => Buffer;
  /** 0–99, uniform. */
  readonly randomPercent: () => number;
}
