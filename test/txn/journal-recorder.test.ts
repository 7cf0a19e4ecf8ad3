/** The engine writing a real journal through JournalRecorder: approvals, declines, cancels, and a lost answer becoming a reversal. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { createLogger } from '../../src/log/logger.js';
import { TransactionEngine } from '../../src/txn/engine.js';
import { JournalRecorder, type Journal } from '../../src/txn/journal/index.js';
import { HostError } from '../../src/host/host-error.js';
import { approveAll, FakeHost, FakeReader, testCard } from './fakes.js';
import { journalBytes, openJournal, tempDir } from './journal-helpers.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

function setup(host: FakeHost) {
  const dir = tempDir();
  const journal = openJournal(dir);
  journals.push(journal);
  const reader = new FakeReader();
  let n = 0;
  const engine = new TransactionEngine({
    reader,
    display: new RecordingDisplay(),
    recorder: new JournalRecorder(journal),
    host,
    reversals: journal.reversals,
    stan: journal.stan,
    clock: () => NOW,
    logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    terminal: { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' },
    newId: () => `txn-${++n}`,
  });
  return { engine, reader, journal, dir };
}

async function swipe(engine: TransactionEngine, reader: FakeReader, amount = 1234): Promise<string> {
  const started = engine.start({ type: 'purchase', amount, currency: '978' });
  await reader.armed();
  reader.present(testCard());
  await engine.wait(started.id);
  return started.id;
}

describe('JournalRecorder', () => {
  it('journals an approval step by step with the journal STAN, and no PAN on disk', async () => {
    const { engine, reader, journal, dir } = setup(new FakeHost(approveAll));
    const id = await swipe(engine, reader);
    expect(journal.get(id)).toMatchObject({ state: 'completed', stan: '000001', responseCode: '00', authCode: 'A1B2C3', maskedPan: '411111******1111', entryMode: 'swipe' });
    expect(journal.steps.of(id).map((s) => s.state)).toEqual(['created', 'created', 'request-sent', 'response-received', 'completed']);
    expect(journalBytes(dir)).not.toContain('4111111111111111');
  });

  it('journals a host decline, and a cancel before any card', async () => {
    const { engine, reader, journal } = setup(new FakeHost((req) => Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: '1', stan: req.stan })));
    const declined = await swipe(engine, reader);
    expect(journal.get(declined)).toMatchObject({ state: 'declined', responseCode: '51' });
    const started = engine.start({ type: 'purchase', amount: 5, currency: '978' });
    await reader.armed();
    await engine.cancel(started.id);
    expect(journal.get(started.id)).toMatchObject({ state: 'cancelled', outcome: 'cancelled', errorCode: 'TXN_CANCELLED' });
  });

  it('leaves a lost answer as a pending reversal in the journal', async () => {
    const timeout = new HostError('HOST_TIMEOUT', 'no answer', 'maybe-sent');
    const { engine, reader, journal } = setup(new FakeHost(() => Promise.reject(timeout)));
    const id = await swipe(engine, reader);
    expect(journal.get(id).state).toBe('reversal-pending');
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: id, stan: '000001', reason: 'HOST_TIMEOUT', maskedPan: '411111******1111' })]);
  });

  it('journals a request that never reached the host as failed', async () => {
    const refused = new HostError('HOST_UNREACHABLE', 'refused', 'not-sent');
    const { engine, reader, journal } = setup(new FakeHost(() => Promise.reject(refused)));
    const id = await swipe(engine, reader);
    expect(journal.get(id)).toMatchObject({ state: 'failed', errorCode: 'HOST_UNREACHABLE' });
    expect(journal.reversals.pending()).toEqual([]);
  });
});
