/**
 * The terminal, the cards and the issuer the kernel bench runs: the
 * terminal's shipped EMV configuration (the `emv` section's defaults, as
 * `pos run` builds its kernel from it) with the bench's own simulation CAs,
 * a PIN pad that answers at once, a fixed clock and unpredictable number (so
 * a recorded transaction replays), and an issuer that approves with an ARPC.
 *
 * The CAs have 1984-bit keys, the length of today's production CA keys
 * (Book 2 §5.1's maximum); the virtual cards' issuer keys take the CA's
 * length and their ICC keys 1024 bits (`hw-mocks/chip-card/personalise.ts`).
 */
import { generateArpcMethod1 } from '../../src/crypto/emv/cryptogram.js';
import { kernelConfigOf } from '../../src/app/chip-kernel.js';
import { parseConfig } from '../../src/config/load.js';
import { SIMULATED_DEFAULT } from '../../src/config/schema.js';
import { encode } from '../../src/emv/ber-tlv.js';
import type { Transmit } from '../../src/emv/kernel/apdu.js';
import type { KernelConfig } from '../../src/emv/kernel/config.js';
import { TRANSACTION_TYPE, type TransactionRequest } from '../../src/emv/kernel/context.js';
import { CapkTable } from '../../src/emv/kernel/oda/index.js';
import { SplitSalesLog } from '../../src/emv/kernel/split-sales.js';
import type { EmvTransaction, KernelDependencies, KernelSummary } from '../../src/emv/kernel/transaction.js';
import { acSessionKey } from '../../hw-mocks/chip-card/cryptogram-versions.js';
import type { CardImage } from '../../hw-mocks/chip-card/personalise.js';
import { makeSimulationCa, type SimulationCa } from '../../hw-mocks/chip-card/simulation-ca.js';

/** A fixed moment: 2026-03-15 10:20:30 UTC. */
export const BENCH_NOW = new Date(Date.UTC(2026, 2, 15, 10, 20, 30));
/** 9F37, the same for every transaction so that a recorded one replays. */
export const BENCH_UNPREDICTABLE_NUMBER = Buffer.from('5A3C9E01', 'hex');
/** 25.00 EUR, a purchase. */
export const BENCH_REQUEST: TransactionRequest = { amountMinor: 2500, amountOtherMinor: 0, currency: '0978', currencyExponent: 2, transactionType: TRANSACTION_TYPE.purchase };

const CA_MODULUS_BITS = 1984;
/** An index the shipped lab set does not use under either RID. */
const CA_INDEX = 0xf7;
const SCHEME_RIDS = ['A000000003', 'A000000004'] as const;
/** ARC 00: approved (DE 39). */
const APPROVED_ARC = Buffer.from('00', 'latin1');
/** The split-sales log's HMAC key: fixed, as nothing here is kept. */
const SPLIT_SALES_KEY = Buffer.alloc(32, 0x11);

/** One CA per scheme RID the profiles use (RSA key generation: run before any timing). */
export function benchCas(): SimulationCa[] {
  return SCHEME_RIDS.map((rid) => makeSimulationCa({ rid: Buffer.from(rid, 'hex'), index: CA_INDEX, modulusBits: CA_MODULUS_BITS }));
}

export interface BenchTerminal {
  readonly config: KernelConfig;
  readonly capks: CapkTable;
}

/** The shipped `emv` configuration (`pos run` with no config file) with the bench CAs' public keys. */
export function benchTerminal(cas: readonly SimulationCa[]): BenchTerminal {
  const config = kernelConfigOf(parseConfig(SIMULATED_DEFAULT), cas.map((ca) => ca.capk));
  return { config, capks: CapkTable.load(config.capks, config.revoked) };
}

/** What `EmvTransaction.start` is given: the card behind `transmit`, a PIN pad that has the PIN at once, a fresh split-sales log. */
export function kernelDependencies(terminal: BenchTerminal, transmit: Transmit): KernelDependencies {
  return {
    env: { transmit, now: () => BENCH_NOW, unpredictableNumber: () => Buffer.from(BENCH_UNPREDICTABLE_NUMBER), randomPercent: () => 99 },
    config: terminal.config,
    capks: terminal.capks,
    cvm: { onlinePin: true, signature: true },
    requestOnlinePin: () => Promise.resolve('entered'),
    splitSales: new SplitSalesLog(() => BENCH_NOW, SPLIT_SALES_KEY),
  };
}

export type HostReply = Parameters<EmvTransaction['complete']>[0];

/** The issuer's approval of the first GENERATE AC's ARQC: ARC 00 and 91 = ARPC (method 1) ‖ ARC, under the card's AC session key. */
export function issuerApproval(card: CardImage, summary: KernelSummary): HostReply {
  const app = card.applications.find((a) => a.aid.toString('hex').toUpperCase() === summary.aid);
  if (app === undefined || summary.cryptogram === undefined || summary.atc === undefined) throw new Error(`issuer: no ARQC from ${summary.aid} to answer`);
  const sessionKey = acSessionKey(app.version, app.masterKey, Buffer.from(summary.atc, 'hex'), BENCH_UNPREDICTABLE_NUMBER);
  const arpc = generateArpcMethod1(sessionKey, Buffer.from(summary.cryptogram, 'hex'), APPROVED_ARC);
  sessionKey.fill(0);
  return { kind: 'answered', arc: Buffer.from(APPROVED_ARC), approved: true, issuerTlv: encode([{ tag: '91', value: Buffer.concat([arpc, APPROVED_ARC]) }]) };
}
