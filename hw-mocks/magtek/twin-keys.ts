/**
 * The keys the virtual encrypting MagTek reader is injected with.
 *
 * Default BDK, for the twin on its own (driver tests with published values,
 * the bench): the ANSI X9.24-1 2009 Annex A test BDK. Against the bank-host
 * simulator the twin gets the simulator's BDK (`simulationMagtekKeys`) so
 * the host can decrypt what it sends. Initial KSN: a prefix of our
 * own (`FFFF` issuer, `0801` MagTek's USB vendor ID, `A5B3C` device, counter
 * 0) — a test key for test cards, never a production one.
 */
import { wipe } from '../../src/util/bytes.js';
import { loadSimulationKeys } from '../keys/simulation-keys.js';

export const TWIN_BDK_HEX = '0123456789ABCDEFFEDCBA9876543210';
export const TWIN_INITIAL_KSN_HEX = 'FFFF0801A5B3C4E00000';

/**
 * What the simulation injects instead (`src/app/simulation/virtual-bench.ts`,
 * the encrypted host tests): the bank-host simulator's one TDES BDK
 * (`dukpt.tdesBdk` in hw-mocks/keys/keys.json, shared with the virtual PIN
 * pad) under the twin's own initial KSN, so the reader's and the PIN pad's
 * initial keys differ while the host needs one BDK. The caller wipes `bdk`.
 */
export function simulationMagtekKeys(): { bdk: Buffer; initialKsnHex: string } {
  const keys = loadSimulationKeys();
  const bdk = Buffer.from(keys.tdesBdk);
  wipe(keys.tak, keys.kek, keys.tdesBdk, keys.aesBdk, keys.tdesKbpk);
  return { bdk, initialKsnHex: TWIN_INITIAL_KSN_HEX };
}
