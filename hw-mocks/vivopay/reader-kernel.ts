/**
 * The virtual NEO 2's EMV level 2 kernel: the project's own kernel
 * (`src/emv/kernel/`, `EmvTransaction`) in the reader's role, over an
 * APDU-level card, split where the guide splits the reader's work (8.4.2):
 *
 *   60-10  power on, application selection, initiate (GPO), read records
 *            → `applicationRead`: the data the card gave so far
 *   60-11  ODA, processing restrictions, CVM, TRM, TAA, first GENERATE AC
 *            → `authenticate()`: the kernel's transaction (first decision, online data)
 *   60-12  external authenticate, scripts, second GENERATE AC → `complete()`
 *
 * The kernel runs in one go; the split is a gate on the card's line: SELECT,
 * GET PROCESSING OPTIONS and READ RECORD pass, and the first other command
 * (INTERNAL AUTHENTICATE, GET DATA, GENERATE AC) — or the kernel asking for
 * a PIN — waits until 60-11 opens the gate. The data answered to 60-10 is
 * what those commands returned, as a reader sees it on its own line.
 */
import type { ApduCard } from '../chip-card/apdu-card.js';
import { decode } from '../../src/emv/ber-tlv.js';
import type { Completion } from '../../src/emv/kernel/completion.js';
import type { KernelConfig } from '../../src/emv/kernel/config.js';
import type { TransactionRequest } from '../../src/emv/kernel/context.js';
import type { CapkTable } from '../../src/emv/kernel/oda/index.js';
import { SplitSalesLog } from '../../src/emv/kernel/split-sales.js';
import { EmvTransaction, type KernelSummary } from '../../src/emv/kernel/transaction.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { PosError } from '../../src/util/errors.js';

/** What the reader's kernel is configured with: the AIDs, terminal data and CA keys the configuration commands set. */
export interface ReaderKernelSetup {
  readonly config: KernelConfig;
  readonly capks: CapkTable;
}

export interface ReaderEnvironment {
  readonly now: () => Date;
  readonly unpredictableNumber: () => Buffer;
  readonly randomPercent: () => number;
}

/** The cardholder's PIN, as the terminal answered 61-02: entered, or the terminal cannot take one. A cancel rejects. */
export type PinOutcome = 'entered' | 'unavailable';

const INS_SELECT = 0xa4;
const INS_READ_RECORD = 0xb2;
const INS_GPO = 0xa8;
const SW_OK = 0x9000;

function readPhase(command: Buffer): boolean {
  const ins = command[1];
  return ins === INS_SELECT || ins === INS_READ_RECORD || ins === INS_GPO;
}

export class ReaderKernelSession {
  readonly #card: ApduCard;
  readonly #splitSales: SplitSalesLog;
  /** Tag → value of what the card gave in the read phase (the last SELECT onwards). */
  readonly #read = new Map<string, Buffer>();
  readonly #started: Promise<EmvTransaction>;
  readonly applicationRead: Promise<ReadonlyMap<string, Buffer>>;
  #readDone: ((tags: ReadonlyMap<string, Buffer>) => void) | undefined;
  #openGate: (() => void) | undefined;
  #gate: Promise<void>;
  #gateOpen = false;
  #stopped: PosError | undefined;
  #stopGate: ((error: PosError) => void) | undefined;
  #txn: EmvTransaction | undefined;

  /** Powers the card and starts the kernel; it runs to the end of the read phase on its own. */
  constructor(card: ApduCard, setup: ReaderKernelSetup, env: ReaderEnvironment, request: TransactionRequest, pin: () => Promise<PinOutcome>, splitSales?: SplitSalesLog) {
    this.#card = card;
    this.#splitSales = splitSales ?? new SplitSalesLog(env.now);
    this.#gate = new Promise<void>((resolve, reject) => {
      this.#openGate = resolve;
      this.#stopGate = reject;
    });
    // A stop before anyone waits on the gate is not an unhandled rejection.
    this.#gate.catch(() => undefined);
    let failRead: (error: unknown) => void = () => undefined;
    this.applicationRead = new Promise((resolve, reject) => {
      this.#readDone = resolve;
      failRead = reject;
    });
    this.applicationRead.catch(() => undefined);
    card.powerOn();
    this.#started = EmvTransaction.start(
      {
        env: { transmit: (command) => this.#transmit(command), now: env.now, unpredictableNumber: env.unpredictableNumber, randomPercent: env.randomPercent },
        config: setup.config,
        capks: setup.capks,
        // The reader does online PIN through the terminal (61-02) when its capabilities claim it.
        cvm: { onlinePin: true, signature: false },
        requestOnlinePin: async () => {
          await this.#atGate();
          return pin();
        },
        splitSales: this.#splitSales,
      },
      request,
    ).then((txn) => (this.#txn = txn));
    this.#started.catch((error: unknown) => failRead(error));
  }

  /** Opens the gate (60-11) and resolves with the transaction after its first GENERATE AC. */
  authenticate(): Promise<EmvTransaction> {
    this.#gateOpen = true;
    this.#openGate?.();
    return this.#started;
  }

  /** The second half (60-12). */
  complete(answer: Parameters<EmvTransaction['complete']>[0]): Promise<Completion> {
    if (this.#txn === undefined) return Promise.reject(new PosError('EMV_KERNEL_STATE', 'No transaction to complete', {}));
    return this.#txn.complete(answer);
  }

  /** The kernel's account so far (AID, TVR, TSI, last cryptogram), once authenticated. */
  summary(): KernelSummary | undefined {
    return this.#txn?.summary();
  }

  /** Stops the kernel at its next step (cancel, timeout, card pulled): its pending promise rejects with `error`. */
  stop(error: PosError): void {
    this.#stopped ??= error;
    this.#stopGate?.(error);
  }

  /** Wipes the kernel's data and powers the card off. */
  end(): void {
    this.stop(new PosError('DEVICE_READ_CANCELLED', 'The transaction ended', { reason: 'closed' }));
    this.#txn?.wipe();
    for (const value of this.#read.values()) value.fill(0);
    this.#read.clear();
    this.#card.powerOff();
  }

  async #atGate(): Promise<void> {
    if (this.#gateOpen) return;
    this.#readDone?.(new Map([...this.#read].map(([tag, value]) => [tag, Buffer.from(value)])));
    this.#readDone = undefined;
    await this.#gate;
  }

  async #transmit(command: Buffer): Promise<Buffer> {
    this.#throwIfStopped();
    if (!readPhase(command)) await this.#atGate();
    this.#throwIfStopped();
    const answer = await this.#card.transmit(command);
    this.#throwIfStopped();
    if (!this.#gateOpen && answer.length >= 2 && answer.readUInt16BE(answer.length - 2) === SW_OK) this.#observe(command, answer.subarray(0, answer.length - 2));
    return answer;
  }

  #throwIfStopped(): void {
    const stopped = this.#stopped;
    if (stopped !== undefined) throw stopped;
  }

  /** What the reader keeps of a read-phase answer: the tags the card gave for the selected application. */
  #observe(command: Buffer, data: Buffer): void {
    if (command[1] === INS_SELECT) {
      for (const value of this.#read.values()) value.fill(0);
      this.#read.clear();
    }
    let tags: Map<string, Uint8Array>;
    try {
      tags = flatten(decode(data));
    } catch {
      return; // the kernel judges the card's data; the reader only keeps what reads
    }
    for (const [tag, value] of tags) if (!this.#read.has(tag)) this.#read.set(tag, Buffer.from(value));
  }
}
