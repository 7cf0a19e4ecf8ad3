/**
 * `pos demo`: the whole terminal in simulation inside one process — ECR API
 * on an ephemeral port, virtual reader on a serial line, bank-host simulator
 * on loopback TCP — driven through the ECR API exactly as a cash register
 * would, one scripted transaction after another (and what the register
 * does with it next: a void, a completion, a tip).
 */
import type { TransactionResult } from '../txn/result.js';
import type { StartInput } from '../txn/start-input.js';
import { formatAmount } from '../util/iso4217.js';
import { DEMO_CASES, type DemoCase, type DemoFollowUp } from './demo-cases.js';
import { EcrClient } from './ecr-client.js';

/** How long the demo's reader stays unplugged: long enough that the first reopen fails and backs off. */
const DEMO_UNPLUG_MS = 300;
/** How long the demo waits for an offline approval's advice to reach the host. */
const DEMO_ADVICE_TIMEOUT_MS = 10_000;
/** How long the demo waits for a receipt to print (or to be queued while the paper is out). */
const DEMO_PRINT_TIMEOUT_MS = 10_000;
/** How long the demo waits for an unplugged reader to come back. */
const DEMO_REPLUG_TIMEOUT_MS = 10_000;

export interface DemoRow extends TransactionResult {
  readonly case: string;
  /** Whether it ended as scripted. */
  readonly asScripted: boolean;
  readonly elapsedMs: number;
}

/** Runs the cases through the terminal's ECR API at `ecrUrl`, authorized by its `ecrToken`. */
export async function runDemoCases(ecrUrl: string, ecrToken: string, currency: string, cases: readonly DemoCase[] = DEMO_CASES): Promise<DemoRow[]> {
  const ecr = new EcrClient(ecrUrl, ecrToken);
  const rows: DemoRow[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    const previous = rows.at(-1);
    // What earlier cases print by themselves (a voided sale's VOID copy) is out of the printer first.
    if (c.receipt !== undefined) await eventually(async () => (await receiptsWaiting(ecr)) === 0, DEMO_PRINT_TIMEOUT_MS);
    const receiptsBefore = c.receipt === undefined ? 0 : (await ecr.printedReceipts()).length;
    if (c.receipt === 'paper-out') await ecr.printerPaper('out');
    const started = await ecr.start(startOf(c, currency, previous));
    if (c.cancel) await ecr.cancel(started.id);
    // The read is armed before the 201 is answered, so the cable comes out mid-transaction.
    else if (c.unplug) await ecr.unplug({ device: 'reader', forMs: DEMO_UNPLUG_MS });
    else if (c.card !== null) for (const step of c.steps ?? [{ entry: 'swipe' as const }]) await ecr.present(c.card, step);
    const read = await ecr.get(started.id, true);
    let ended = read;
    for (const next of c.then === undefined ? [] : [c.then].flat()) {
      if (ended.status !== 'approved') break;
      ended = await followUp(ecr, read.id, next);
    }
    if (c.unplug) await readerBack(ecr);
    const adviceSent = c.adviceSent === undefined || (await advicesSent(ecr));
    const printed = c.receipt === undefined || (await receiptAsScripted(ecr, ended, c.receipt, receiptsBefore));
    rows.push({ case: c.name, ...ended, asScripted: endedAsScripted(ended, c) && adviceSent && printed, elapsedMs: Math.round(performance.now() - t0) });
  }
  return rows;
}

function startOf(c: DemoCase, currency: string, previous: DemoRow | undefined): StartInput {
  const start = c.start ?? { type: 'purchase' };
  switch (start.type) {
    case 'purchase':
      return { type: 'purchase', amount: c.amount, currency, ...(start.tip === undefined ? {} : { tip: start.tip }), ...(start.cashback === undefined ? {} : { cashback: start.cashback }) };
    case 'refund':
      return { type: 'refund', amount: c.amount, currency, ...(start.originalOfPrevious === true && previous !== undefined ? { originalId: previous.id } : {}) };
    case 'preauth':
      return { type: 'preauth', amount: c.amount, currency };
  }
}

function followUp(ecr: EcrClient, id: string, then: DemoFollowUp): Promise<TransactionResult> {
  switch (then.action) {
    case 'void':
      return ecr.void(id);
    case 'release':
      return ecr.release(id);
    case 'complete':
      return ecr.complete(id, then.amount);
    case 'increment':
      return ecr.increment(id, then.amount);
    case 'tip':
      return ecr.tip(id, then.tip);
  }
}

/** Waits for `/v1/health` to show the reader connected again. */
async function readerBack(ecr: EcrClient): Promise<void> {
  const deadline = Date.now() + DEMO_REPLUG_TIMEOUT_MS;
  for (;;) {
    const health = await ecr.health();
    const devices = health['devices'] as { reader?: { state?: string } } | undefined;
    if (devices?.reader?.state === 'connected') return;
    if (Date.now() > deadline) throw new Error(`The reader did not come back within ${DEMO_REPLUG_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many receipts wait for the printer, from `/v1/health`. */
async function receiptsWaiting(ecr: EcrClient): Promise<number> {
  const devices = (await ecr.health())['devices'] as { printer?: { receiptsWaiting?: number } | null } | undefined;
  return devices?.printer?.receiptsWaiting ?? 0;
}

/** Polls `done` every 50 ms until it holds or `timeoutMs` passes. */
async function eventually(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The customer copy the printer twin cut for `result`: exactly one more
 * receipt than before, holding APPROVED, the total and the last four only.
 * With `paper-out` the receipt must first wait (nothing cut, one waiting),
 * then print once the paper is back.
 */
async function receiptAsScripted(ecr: EcrClient, result: TransactionResult, receipt: 'printed' | 'paper-out', before: number): Promise<boolean> {
  if (receipt === 'paper-out') {
    const waited = await eventually(async () => (await receiptsWaiting(ecr)) === 1, DEMO_PRINT_TIMEOUT_MS);
    if (!waited || (await ecr.printedReceipts()).length !== before) return false;
    await ecr.printerPaper('in');
  }
  if (!(await eventually(async () => (await receiptsWaiting(ecr)) === 0 && (await ecr.printedReceipts()).length > before, DEMO_PRINT_TIMEOUT_MS))) return false;
  const receipts = await ecr.printedReceipts();
  const text = (receipts.at(-1) ?? []).join('\n');
  const lastFour = result.maskedPan?.slice(-4) ?? '';
  return (
    receipts.length === before + 1 &&
    text.includes('CUSTOMER COPY') &&
    text.includes('APPROVED') &&
    text.includes(formatAmount(result.total, result.currency)) &&
    text.includes(`**** ${lastFour}`) &&
    !text.includes(result.maskedPan ?? '\u0000')
  );
}

/** Waits for `/v1/health` to show no offline advice queued; false if one is still queued after the wait. */
async function advicesSent(ecr: EcrClient): Promise<boolean> {
  const deadline = Date.now() + DEMO_ADVICE_TIMEOUT_MS;
  for (;;) {
    const health = await ecr.health();
    const offline = health['offlineApprovals'] as { queued?: number } | undefined;
    if (offline?.queued === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function endedAsScripted(result: TransactionResult, c: DemoCase): boolean {
  return (
    result.status === c.expect.status &&
    (c.expect.reason === undefined || result.reason === c.expect.reason) &&
    (c.expect.responseCode === undefined || result.responseCode === c.expect.responseCode) &&
    (c.expect.errorCode === undefined || result.errorCode === c.expect.errorCode) &&
    (c.expect.type === undefined || result.type === c.expect.type) &&
    (c.expect.total === undefined || result.total === c.expect.total) &&
    (c.entryMode === undefined || result.entryMode === c.entryMode)
  );
}

/** The demo's table: one row a purchase, masked PAN only. */
export function formatDemoTable(rows: readonly DemoRow[]): string {
  const header = ['case', 'type', 'card', 'total', 'status', 'rc', 'auth', 'error', 'ms', 'ok'];
  const body = rows.map((r) => [
    r.case,
    r.type,
    r.maskedPan ?? '-',
    formatAmount(r.total, r.currency),
    r.status ?? r.state,
    r.responseCode ?? '-',
    r.authCode ?? '-',
    r.errorCode ?? '-',
    String(r.elapsedMs),
    r.asScripted ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}
