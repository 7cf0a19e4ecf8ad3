/**
 * Keys of the virtual PIN pad. The pad is loaded, as a real one is at key
 * injection, with a TR-31 key block (ANSI X9.143, version B, usage B1 "DUKPT
 * initial key", optional block KS carrying the initial KSN) wrapped under a
 * key-block protection key.
 *
 * Source of truth: hw-mocks/keys/keys.json (`dukpt.tdesBdk`,
 * `dukpt.tdesInitialKsn`, `kbpk.tdes`), shared with the bank-host simulator.
 * `X924_TEST_KEYS` are the ANSI X9.24-1 sample BDK and KSN, for tests that
 * check against the published values.
 */
import { deriveTdesIpek } from '../../src/crypto/dukpt/tdes.js';
import { wrapTr31 } from '../../src/crypto/tr31/key-block.js';
import { wipe } from '../../src/util/bytes.js';
import { toHex } from '../../src/util/hex.js';
import { loadSimulationKeys } from '../keys/simulation-keys.js';

export interface PinpadKeyMaterial {
  /** The TR-31 block the pad is loaded with. */
  readonly initialKeyBlock: string;
  /** Its key-block protection key. */
  readonly kbpk: Buffer;
  /** The BDK the host derives with (tests only: a pad never holds it). */
  readonly bdk: Buffer;
  readonly initialKsn: Buffer;
}

/** ANSI X9.24-1 (2009) sample: BDK 0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00000; KBPK a fixed test value. */
export const X924_TEST_KEYS = {
  bdk: '0123456789ABCDEFFEDCBA9876543210',
  initialKsn: 'FFFF9876543210E00000',
  kbpk: '89E88CF7931444F334BD7547FC3F380C',
} as const;

/** Wraps the IPEK of `bdk`/`initialKsn` into a B1 key block under `kbpk`, the KSN in optional block KS. */
export function initialKeyBlock(bdk: Uint8Array, initialKsn: Uint8Array, kbpk: Uint8Array): string {
  const ipek = deriveTdesIpek(bdk, initialKsn);
  try {
    return wrapTr31(
      kbpk,
      { versionId: 'B', keyUsage: 'B1', algorithm: 'T', modeOfUse: 'X', keyVersionNumber: '00', exportability: 'N', optionalBlocks: [{ id: 'KS', data: toHex(initialKsn) }] },
      ipek,
      { padding: '000000000000' },
    );
  } finally {
    wipe(ipek);
  }
}

/** The simulation's keys from hw-mocks/keys/keys.json. */
export function simulationPinpadKeys(): PinpadKeyMaterial {
  const keys = loadSimulationKeys();
  return { initialKeyBlock: initialKeyBlock(keys.tdesBdk, keys.tdesInitialKsn, keys.tdesKbpk), kbpk: keys.tdesKbpk, bdk: keys.tdesBdk, initialKsn: keys.tdesInitialKsn };
}

/** The X9.24-1 sample keys. */
export function x924PinpadKeys(): PinpadKeyMaterial {
  const bdk = Buffer.from(X924_TEST_KEYS.bdk, 'hex');
  const initialKsn = Buffer.from(X924_TEST_KEYS.initialKsn, 'hex');
  const kbpk = Buffer.from(X924_TEST_KEYS.kbpk, 'hex');
  return { initialKeyBlock: initialKeyBlock(bdk, initialKsn, kbpk), kbpk, bdk, initialKsn };
}
