/**
 * What a virtual NEO 2 holds before anyone configures it: the kernel
 * configuration a reader ships with for the test network (the AIDs and
 * terminal action codes of the terminal's own defaults, floor limit 0 so
 * every chip transaction goes online) and no CA keys (the deck's chips need
 * none: they do no offline data authentication).
 */
import type { KernelConfig } from '../../src/emv/kernel/config.js';
import { CapkTable } from '../../src/emv/kernel/oda/index.js';
import type { ReaderKernelSetup } from './reader-kernel.js';

const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

const aid = (hex: string, version: string, tac: { default: string; denial: string; online: string }) => ({
  aid: bytes(hex),
  partialSelection: true,
  applicationVersion: bytes(version),
  tac: { default: bytes(tac.default), denial: bytes(tac.denial), online: bytes(tac.online) },
  floorLimitMinor: 0,
  randomSelection: { thresholdMinor: 0, targetPercent: 0, maxTargetPercent: 0 },
  defaultDdol: bytes('9F3704'),
  defaultTdol: bytes('9F02065F2A029A039C0195059F3704'),
});

const VISA_TAC = { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' };
const MASTERCARD_TAC = { default: 'FC50BCA000', denial: '0000000000', online: 'FC50BCF800' };

export const DEFAULT_READER_CONFIG: KernelConfig = {
  terminal: {
    // Online enciphered PIN (through the terminal, 61-02), no CVM; SDA, DDA, CDA; no offline PIN.
    terminalCapabilities: bytes('E048C8'),
    additionalTerminalCapabilities: bytes('6000F0A001'),
    terminalType: 22,
    countryCode: bytes('0250'),
    merchantCategoryCode: bytes('5999'),
    merchantIdentifier: Buffer.from('VIRTUAL MERCHNT', 'latin1'),
    terminalIdentification: Buffer.from('T0000001', 'latin1'),
    ifdSerialNumber: Buffer.from('NEO2TWIN', 'latin1'),
  },
  aids: [aid('A0000000031010', '0096', VISA_TAC), aid('A0000000032010', '0096', VISA_TAC), aid('A0000000041010', '0002', MASTERCARD_TAC), aid('A0000000043060', '0002', MASTERCARD_TAC)],
  capks: [],
  revoked: [],
};

export function defaultReaderKernel(): ReaderKernelSetup {
  return { config: DEFAULT_READER_CONFIG, capks: CapkTable.load([], []) };
}
