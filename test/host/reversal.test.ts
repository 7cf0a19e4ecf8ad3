import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFaultRule, withFaults, type FaultRule } from '../../hw-mocks/host/faults.js';
import { answerWith, FrameListener, type CoreHandler } from '../../hw-mocks/host/listeners.js';
import { encodeWithMac } from '../../src/host/messages/mac.js';
import { ReversalSender } from '../../src/host/reversal-sender.js';
import type { PendingReversal, ReversalOutcome } from '../../src/host/reversal-store.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import type { Journal } from '../../src/txn/journal/journal.js';
import { rejection } from '../pos-error.js';
import { openJournal, tempDir } from '../txn/journal-helpers.js';
import { cardOf, closeIsoClients, isoClient, purchase, terminalMacKey } from './helpers.js';

const TID = 'T0000001';
const MAC_KEY = terminalMacKey();

function pending(n: number): PendingReversal {
  const stan = String(n).padStart(6, '0');
  return {
    transactionId: `tx-${n}`,
    original: 'purchase',
    stan,
    terminalId: TID,
    transmittedAt: '2026-06-15T14:30:00.000Z',
    amountMinor: 1000 + n,
    currency: '978',
    entryMode: 'swipe',
    reason: 'HOST_TIMEOUT',
    maskedPan: '476173******0119',
  };
}

let dir: string;
beforeEach(() => {
  dir = tempDir('pos-rev-');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A host that books 0200s and applies a reversal (0400/0401, DE 90 naming the
 * original STAN) at most once: repeats are answered 00 without a second
 * credit. Its answers are MAC'd under the terminal's TAK, as a real host's.
 */
function reversingHost(): { core: CoreHandler; reversalsApplied: Map<string, number>; requests: string[] } {
  const reversalsApplied = new Map<string, number>();
  const requests: string[] = [];
  const core: CoreHandler = (frame) => {
    const m = decodeMessage(iso87ascii, frame);
    requests.push(m.mti);
    if (m.mti === '0400' || m.mti === '0401') {
      const original = String(m.get(90)).slice(4, 10);
      if (!reversalsApplied.has(original)) reversalsApplied.set(original, 1);
      return encodeWithMac(iso87ascii, { mti: '0410', fields: { 11: m.get(11), 39: '00', 41: m.get(41) } }, MAC_KEY.current());
    }
    return encodeWithMac(iso87ascii, { mti: '0210', fields: { 4: m.get(4), 11: m.get(11), 39: '00', 41: m.get(41) } }, MAC_KEY.current());
  };
  return { core, reversalsApplied, requests };
}

/** What a second connection to the journal's file reads: the duty as committed, not as this connection holds it. */
function reopened(): Journal {
  const other = openJournal(dir);
  cleanupsAfter.push(() => other.close());
  return other;
}
const cleanupsAfter: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanupsAfter.splice(0)) c();
});

describe('ReversalSender through the ISO 8583 client, the journal as its store', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setUp(faults: readonly FaultRule[]) {
    const host = reversingHost();
    const listener = new FrameListener({ handler: withFaults(answerWith(host.core), faults, { dialect: iso87ascii }) });
    await listener.start();
    const client = isoClient(listener.port, { timeoutMs: 300 });
    const journal = openJournal(dir);
    const store = journal.reversals;
    const attempts: string[] = [];
    const attempt = client.reversalAttempt({ merchantId: 'M00000000000001', clock: () => new Date(Date.UTC(2026, 5, 15, 14, 31, 0)) });
    const send = (r: PendingReversal, n: number): Promise<ReversalOutcome> => {
      attempts.push(n === 0 ? '0400' : '0401');
      return attempt(r, n);
    };
    const sender = new ReversalSender({ store, send, backoff: { initialMs: 20, maxMs: 50 } });
    cleanups.push(async () => {
      sender.stop();
      await closeIsoClients();
      await listener.stop();
      journal.close();
    });
    return { host, listener, client, store, sender, attempts };
  }

  it('an unanswered 0200 is reversed once: 0400 acknowledged, duty gone, host applied one reversal', async () => {
    const { host, client, store, sender } = await setUp([parseFaultRule('no-answer,times=1')]);
    const err = await rejection(client.authorize(purchase(cardOf('visa-ok'), 1005, { stan: '000005' })));
    expect(err).toMatchObject({ code: 'HOST_TIMEOUT', delivery: 'maybe-sent' });
    store.add(pending(5)); // what the engine does when the request may have reached the host
    expect(await sender.drain()).toEqual({ acknowledged: 1, remaining: 0, stoppedBy: null });
    expect(store.pending()).toEqual([]);
    expect(reopened().reversals.pending()).toEqual([]);
    expect([...host.reversalsApplied]).toEqual([['000005', 1]]);
    expect(await sender.drain()).toEqual({ acknowledged: 0, remaining: 0, stoppedBy: null });
    expect(host.requests.filter((m) => m.startsWith('04'))).toEqual(['0400']);
  });

  it('0410 lost: the duty is kept, the repeat goes as 0401, the host applies the reversal once', async () => {
    const { host, store, sender, attempts } = await setUp([parseFaultRule('no-answer,mti=0400,times=1')]);
    store.add(pending(6));
    expect(await sender.drain()).toEqual({ acknowledged: 0, remaining: 1, stoppedBy: 'HOST_TIMEOUT' });
    expect(reopened().reversals.pending().map((r) => r.transactionId)).toEqual(['tx-6']);
    expect(await sender.drain()).toEqual({ acknowledged: 1, remaining: 0, stoppedBy: null });
    expect(attempts).toEqual(['0400', '0401']);
    expect(host.requests.filter((m) => m.startsWith('04'))).toEqual(['0400', '0401']);
    expect([...host.reversalsApplied]).toEqual([['000006', 1]]);
  });

  it('keeps the order: nothing newer goes ahead of an older unacknowledged duty', async () => {
    const { host, store, sender, listener } = await setUp([]);
    store.add(pending(7));
    store.add(pending(8));
    await listener.stop();
    expect(await sender.drain()).toMatchObject({ acknowledged: 0, remaining: 2, stoppedBy: 'HOST_UNREACHABLE' });
    await listener.start();
    expect(await sender.drain()).toEqual({ acknowledged: 2, remaining: 0, stoppedBy: null });
    expect([...host.reversalsApplied.keys()]).toEqual(['000007', '000008']);
  });

  it('drains in the background with backoff until the host answers', async () => {
    const { host, store, sender } = await setUp([parseFaultRule('no-answer,mti=0400,times=1'), parseFaultRule('no-answer,mti=0401,times=1')]);
    store.add(pending(9));
    sender.start();
    await expect.poll(() => store.pending().length, { timeout: 5000 }).toBe(0);
    expect(host.requests.filter((m) => m.startsWith('04'))).toEqual(['0400', '0401', '0401']);
    expect([...host.reversalsApplied]).toEqual([['000009', 1]]);
  });
});
