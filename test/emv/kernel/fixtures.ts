/**
 * One terminal configuration and context maker for the kernel's unit tests:
 * an attended merchant terminal (9F35 22) that does online PIN, signature and
 * no CVM, SDA/DDA/CDA (9F33 E0 68 C8), with a Visa-style and a
 * Mastercard-style AID. Tests change what they examine and nothing else.
 */
import type { Transmit } from '../../../src/emv/kernel/apdu.js';
import type { AidConfig, KernelConfig } from '../../../src/emv/kernel/config.js';
import { TRANSACTION_TYPE, type KernelContext, type KernelEnvironment, type TransactionRequest } from '../../../src/emv/kernel/context.js';
import { seedAidData, seedTerminalData } from '../../../src/emv/kernel/terminal-data.js';
import { TransactionData } from '../../../src/emv/kernel/transaction-data.js';
import { newTsi, newTvr } from '../../../src/emv/kernel/tvr.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

export function testAid(aid: string, overrides: Partial<AidConfig> = {}): AidConfig {
  return {
    aid: hex(aid),
    partialSelection: true,
    applicationVersion: hex('0096'),
    tac: { default: hex('DC4000A800'), denial: hex('0010000000'), online: hex('DC4004F800') },
    floorLimitMinor: 0,
    randomSelection: { thresholdMinor: 0, targetPercent: 0, maxTargetPercent: 0 },
    defaultDdol: hex('9F3704'),
    defaultTdol: hex('9F0206 9A03 9F3704'),
    ...overrides,
  };
}

export const VISA_AID = 'A0000000031010';
export const MASTERCARD_AID = 'A0000000041010';

export function testKernelConfig(overrides: Partial<KernelConfig> = {}): KernelConfig {
  return {
    terminal: {
      terminalCapabilities: hex('E068C8'),
      additionalTerminalCapabilities: hex('6000F0A001'),
      terminalType: 22,
      countryCode: hex('0826'),
      merchantCategoryCode: hex('5411'),
      merchantIdentifier: Buffer.from('MERCHANT0000001', 'latin1'),
      terminalIdentification: Buffer.from('TERM0001', 'latin1'),
      ifdSerialNumber: Buffer.from('SN000001', 'latin1'),
    },
    aids: [testAid(VISA_AID), testAid(MASTERCARD_AID, { applicationVersion: hex('0002') })],
    capks: [],
    revoked: [],
    ...overrides,
  };
}

/** A fixed moment: 2026-03-15 10:20:30 UTC. */
export const TEST_NOW = new Date(Date.UTC(2026, 2, 15, 10, 20, 30));
export const TEST_UNPREDICTABLE_NUMBER = hex('11223344');

export function testEnvironment(transmit: Transmit, overrides: Partial<KernelEnvironment> = {}): KernelEnvironment {
  return {
    transmit,
    now: () => TEST_NOW,
    unpredictableNumber: () => Buffer.from(TEST_UNPREDICTABLE_NUMBER),
    randomPercent: () => 99,
    ...overrides,
  };
}

export function testRequest(overrides: Partial<TransactionRequest> = {}): TransactionRequest {
  return { amountMinor: 1234, amountOtherMinor: 0, currency: '0826', currencyExponent: 2, transactionType: TRANSACTION_TYPE.purchase, ...overrides };
}

export interface TestContextOptions {
  readonly config?: KernelConfig;
  readonly request?: TransactionRequest;
  readonly aid?: AidConfig;
  readonly env?: Partial<KernelEnvironment>;
}

/** A context as the kernel has it once an application is selected: terminal data seeded, TVR and TSI zero. */
export function testContext(transmit: Transmit, options: TestContextOptions = {}): KernelContext {
  const config = options.config ?? testKernelConfig();
  const request = options.request ?? testRequest();
  const aid = options.aid ?? config.aids[0];
  if (aid === undefined) throw new Error('a test context needs an AID');
  const env = testEnvironment(transmit, options.env);
  const data = new TransactionData();
  seedTerminalData(data, config.terminal, request, env.now(), env.unpredictableNumber());
  seedAidData(data, aid);
  return { env, config, request, data, tvr: newTvr(), tsi: newTsi(), aid };
}
