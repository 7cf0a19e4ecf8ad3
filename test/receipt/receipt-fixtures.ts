/** Journal rows and merchant settings for the receipt tests: one row a case the issue names, test cards named generically. */
import type { DeviceState, EmvSummary } from '../../src/devices/card-reader.js';
import type { PrintLine, Printer, PrinterStatus, PrintJob } from '../../src/devices/printer.js';
import type { MerchantSettings } from '../../src/receipt/merchant.js';
import type { BeginInput, Journal, JournalEntry } from '../../src/txn/journal/index.js';
import { PosError } from '../../src/util/errors.js';
import { card } from '../txn/journal-helpers.js';

export const MERCHANT: MerchantSettings = {
  merchantName: 'CORNER SHOP',
  addressLines: ['1 High Street', 'Springfield 12345'],
  footer: ['Thank you'],
  terminalId: 'T0000001',
  merchantId: 'M00000000000001',
  timeZone: 'UTC',
};

/** A chip purchase approved online with the PIN verified online (9F34 42 03 00: enciphered PIN online, apply next, result unknown). */
export const CHIP_EMV: EmvSummary = {
  aid: 'A0000000031010',
  applicationLabel: 'VISA CREDIT',
  tvr: '0000008000',
  tsi: 'E800',
  cvmResults: '420300',
  odaMethod: 'cda',
  cryptogram: '1A2B3C4D5E6F7081',
  cryptogramType: 'ARQC',
  atc: '0012',
};

export function entry(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    id: 'txn-0001',
    reference: null,
    outcome: 'approved',
    seq: 1,
    kind: 'purchase',
    state: 'completed',
    terminalId: 'T0000001',
    amountMinor: 1250,
    tipMinor: 0,
    cashbackMinor: 0,
    currency: '978',
    originalId: null,
    voidedAt: null,
    onlinePin: false,
    stan: '000042',
    transmittedAt: '2025-03-01T10:00:02.000Z',
    entryMode: 'chip',
    brand: 'visa',
    maskedPan: '476173******0119',
    responseCode: '00',
    authCode: 'A1B2C3',
    rrn: '506010000042',
    errorCode: null,
    reason: null,
    offline: false,
    emv: CHIP_EMV,
    adviceAttempts: 0,
    batchNo: 1,
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:05.000Z',
    endedAt: '2025-03-01T10:00:05.000Z',
    ...overrides,
  };
}

/** The cases the receipt must print, by name. */
export const CASES: Readonly<Record<string, JournalEntry>> = {
  'chip purchase with PIN': entry(),
  'contactless with no CVM': entry({
    entryMode: 'contactless',
    brand: 'mastercard',
    maskedPan: '541333******0011',
    emv: { aid: 'A0000000041010', applicationLabel: 'MASTERCARD', tvr: '0000000000', tsi: '0000', cvmResults: '3F0000', odaMethod: 'none', cryptogram: '0102030405060708', cryptogramType: 'ARQC' },
  }),
  'contactless on a phone': entry({
    entryMode: 'contactless',
    emv: { ...CHIP_EMV, cvmResults: '010002' },
  }),
  'swipe with signature': entry({ entryMode: 'swipe', emv: null }),
  refund: entry({ kind: 'refund', originalId: 'txn-0000', authCode: 'R00001', emv: { ...CHIP_EMV, cryptogramType: 'AAC' } }),
  'voided purchase': entry({ state: 'reversed', voidedAt: '2025-03-01T10:05:00.000Z', errorCode: 'TXN_VOIDED' }),
  'declined purchase': entry({ outcome: 'declined', state: 'declined', responseCode: '51', authCode: null, reason: 'Insufficient funds', emv: { ...CHIP_EMV, cryptogramType: 'ARQC' } }),
  'purchase with tip and cashback': entry({ amountMinor: 6750, tipMinor: 500, cashbackMinor: 5000 }),
};

/**
 * A printer in the test: prints into `printed` unless told it has no paper,
 * its cover open, or that it faults mid-job. Refusals come before any byte,
 * as the port promises.
 */
export class FakePrinter implements Printer {
  readonly name = 'fake printer';
  readonly columns: number;
  readonly printed: PrintLine[][] = [];
  paperOut = false;
  /** The next print fails with a device fault after part of the job went out. */
  faultMidJob = false;
  statusCalls = 0;
  /** The status says all is well even when the paper is out (the roll ran out between the status and the job). */
  statusBlind = false;
  /** False: unplugged (`state()` says so; the spool claims nothing). */
  connected = true;

  constructor(columns = 32) {
    this.columns = columns;
  }

  status(): Promise<PrinterStatus> {
    this.statusCalls += 1;
    return Promise.resolve({ online: true, paperOut: this.paperOut && !this.statusBlind, paperNearEnd: false, coverOpen: false });
  }

  print(job: PrintJob): Promise<void> {
    return Promise.resolve().then(() => {
      if (this.paperOut) throw new PosError('PRINTER_PAPER_OUT', 'Paper out', {});
      if (this.faultMidJob) {
        this.faultMidJob = false;
        this.printed.push(job.lines.slice(0, 3));
        throw new PosError('DEVICE_DISCONNECTED', 'The printer went away mid-job', {});
      }
      this.printed.push([...job.lines]);
    });
  }

  state(): DeviceState {
    return this.connected ? 'connected' : 'disconnected';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Polls until `check` holds: the spool's worker runs on its own. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A chip purchase approved online, written to the journal as the ledger writes one (1250 EUR cents unless `begin` says). */
export function approveInJournal(journal: Journal, id: string, begin: Partial<BeginInput> = {}): void {
  journal.steps.begin({ id, amountMinor: 1250, currency: '978', card: card(), ...begin });
  journal.steps.recordEmv(id, CHIP_EMV);
  journal.steps.requestSent(id, { stan: journal.stan.next(), transmittedAt: new Date('2025-03-01T10:00:02Z') });
  journal.steps.responseReceived(id, { responseCode: '00', authCode: 'A1B2C3', rrn: '506010000042' });
  journal.steps.complete(id);
}
