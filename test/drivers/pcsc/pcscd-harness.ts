/**
 * Whether the real PC/SC stack is here for the tests that run over it:
 * pcscd (started by test/tiers/pcscd.ts when it was not running), the
 * `smartcard` addon built, and vpcd's readers in pcscd's list. Under CI=true
 * (`.ci/run` installs all three) a missing piece fails those tests; elsewhere
 * they are skipped, and the suite's title says why.
 */
import { inject } from 'vitest';
import { listPcscReaders } from '../../../drivers/pcsc/reader-list.js';
import { VPCD_SLOTS } from '../../../hw-mocks/vpcd/vpcd-slot-lock.js';
import { isPosError } from '../../../src/util/errors.js';


export type PcscStack = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export async function pcscStack(): Promise<PcscStack> {
  const pcscd = inject('pcscd');
  if (!pcscd.available) return { ready: false, reason: pcscd.reason ?? 'pcscd is not running' };
  try {
    const listing = await listPcscReaders();
    if (listing.status === 'no-service') return { ready: false, reason: 'pcscd is not running' };
    const missing = VPCD_SLOTS.find((slot) => !listing.readers.some((r) => r.name === slot.readerName));
    if (missing !== undefined) {
      return { ready: false, reason: `pcscd has no "${missing.readerName}" reader: vsmartcard-vpcd is not installed, or pcscd started before it was (restart pcscd)` };
    }
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: isPosError(err) ? `${err.code}: ${err.message}` : String(err) };
  }
}

/** Whether the tests run: always in CI, where a missing piece must fail them. */
export function runsOver(stack: PcscStack): boolean {
  return stack.ready || process.env['CI'] === 'true';
}

/** The suite title, with the reason when skipped. */
export function titleFor(title: string, stack: PcscStack): string {
  return stack.ready || runsOver(stack) ? title : `${title} (skipped: ${stack.reason})`;
}
