/**
 * The virtual NEO 2's kernel configuration read from its flash (the
 * configuration store): the terminal data (60-06), the contact AIDs with
 * their action codes, floor limits and random selection (60-03), and the CA
 * keys (60-0A) — so what a reader does follows what was loaded into it, as a
 * real reader's kernel does. A tag the store lacks takes the factory value of
 * `default-reader-kernel.ts`; a CA key has no expiry on the reader (the guide's
 * 60-0A carries none), so it is taken as valid.
 */
import type { AidConfig, Capk, KernelConfig } from '../../src/emv/kernel/config.js';
import { CapkTable } from '../../src/emv/kernel/oda/index.js';
import type { ConfigurationStore, StoredCapk, StoredTlv } from './configuration-store.js';
import { DEFAULT_READER_CONFIG } from './default-reader-kernel.js';
import type { ReaderKernelSetup } from './reader-kernel.js';

/** Terminal data tags (guide §8.4.8, Table 62). */
const TERMINAL_DATA_TAGS = {
  countryCode: '9F1A',
  terminalType: '9F35',
  terminalCapabilities: '9F33',
  additionalTerminalCapabilities: '9F40',
  ifdSerialNumber: '9F1E',
  merchantCategoryCode: '9F15',
  merchantIdentifier: '9F16',
  terminalIdentification: '9F1C',
} as const;

/** Application data tags (guide §8.4.5): floor limit and thresholds b4 in minor units, DFEE15 01 = partial selection. */
const CONTACT_AID_TAGS = {
  applicationVersion: '9F09',
  floorLimit: '9F1B',
  defaultDdol: 'DF25',
  defaultTdol: 'DF28',
  asi: 'DFEE15',
  tacDefault: 'DF13',
  tacDenial: 'DF14',
  tacOnline: 'DF15',
  randomSelectionThreshold: 'DF17',
  targetPercent: 'DF18',
  maxTargetPercent: 'DF19',
} as const;

/** What the reader's flash says of a CA key's last day: nothing, so none. */
const NO_EXPIRY = '9999-12-31';

export function storedReaderKernel(store: ConfigurationStore): ReaderKernelSetup {
  const config = storedKernelConfig(store);
  return { config, capks: CapkTable.load(config.capks, []) };
}

export function storedKernelConfig(store: ConfigurationStore): KernelConfig {
  const factory = DEFAULT_READER_CONFIG.terminal;
  const data = store.terminalData ?? [];
  const terminalType = valueOf(data, TERMINAL_DATA_TAGS.terminalType);
  const terminal = {
    countryCode: valueOf(data, TERMINAL_DATA_TAGS.countryCode) ?? factory.countryCode,
    terminalType: terminalType === undefined ? factory.terminalType : Number(terminalType.toString('hex')),
    terminalCapabilities: valueOf(data, TERMINAL_DATA_TAGS.terminalCapabilities) ?? factory.terminalCapabilities,
    additionalTerminalCapabilities: valueOf(data, TERMINAL_DATA_TAGS.additionalTerminalCapabilities) ?? factory.additionalTerminalCapabilities,
    ifdSerialNumber: valueOf(data, TERMINAL_DATA_TAGS.ifdSerialNumber) ?? factory.ifdSerialNumber,
    merchantCategoryCode: valueOf(data, TERMINAL_DATA_TAGS.merchantCategoryCode) ?? factory.merchantCategoryCode,
    merchantIdentifier: valueOf(data, TERMINAL_DATA_TAGS.merchantIdentifier) ?? factory.merchantIdentifier,
    terminalIdentification: valueOf(data, TERMINAL_DATA_TAGS.terminalIdentification) ?? factory.terminalIdentification,
  };
  const aids = [...store.aids.values()].map(({ aid, tlvs }) => storedAid(aid, tlvs));
  return { terminal, aids, capks: capksOf(store.capks.values()), revoked: [] };
}

/** Keys as the flash holds them (60-0A, D0-03), as the kernels take them. */
export function capksOf(keys: Iterable<StoredCapk>): Capk[] {
  return [...keys].map((k) => ({
    rid: Buffer.from(k.rid),
    index: k.index,
    modulus: Buffer.from(k.modulus),
    exponent: stripLeadingZeros(k.exponentField),
    expiry: NO_EXPIRY,
    checksum: Buffer.from(k.hash),
  }));
}

function storedAid(aid: Buffer, tlvs: readonly StoredTlv[]): AidConfig {
  const factory = DEFAULT_READER_CONFIG.aids[0];
  if (factory === undefined) throw new Error('the factory configuration names no AID');
  const v = (tag: string) => valueOf(tlvs, tag);
  const byte = (tag: string, fallback: number) => v(tag)?.[0] ?? fallback;
  const b4 = (tag: string, fallback: number) => {
    const value = v(tag);
    return value?.length === 4 ? value.readUInt32BE(0) : fallback;
  };
  return {
    aid: Buffer.from(aid),
    partialSelection: byte(CONTACT_AID_TAGS.asi, 0x01) === 0x01,
    applicationVersion: v(CONTACT_AID_TAGS.applicationVersion) ?? factory.applicationVersion,
    tac: {
      default: v(CONTACT_AID_TAGS.tacDefault) ?? factory.tac.default,
      denial: v(CONTACT_AID_TAGS.tacDenial) ?? factory.tac.denial,
      online: v(CONTACT_AID_TAGS.tacOnline) ?? factory.tac.online,
    },
    floorLimitMinor: b4(CONTACT_AID_TAGS.floorLimit, factory.floorLimitMinor),
    randomSelection: {
      thresholdMinor: b4(CONTACT_AID_TAGS.randomSelectionThreshold, 0),
      targetPercent: byte(CONTACT_AID_TAGS.targetPercent, 0),
      maxTargetPercent: byte(CONTACT_AID_TAGS.maxTargetPercent, 0),
    },
    defaultDdol: v(CONTACT_AID_TAGS.defaultDdol) ?? factory.defaultDdol,
    defaultTdol: v(CONTACT_AID_TAGS.defaultTdol) ?? factory.defaultTdol,
  };
}

function valueOf(tlvs: readonly StoredTlv[], tag: string): Buffer | undefined {
  const found = tlvs.find((t) => t.tag.toUpperCase() === tag);
  return found === undefined ? undefined : Buffer.from(found.value);
}

function stripLeadingZeros(field: Buffer): Buffer {
  const first = field.findIndex((b) => b !== 0);
  return Buffer.from(first < 0 ? [] : field.subarray(first));
}
