/**
 * The disk fills while a purchase is at the host, on a real (tiny) filesystem:
 * the host approves, the journal cannot record the answer, and yet the
 * register is told `failed` with no approving code, the reversal is owed at
 * once (held in memory and sent), and once space is freed the journal writes
 * the duty down and takes payments again — without a restart.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { ReversalSender } from '../../src/host/reversal-sender.js';
import { createLogger } from '../../src/log/logger.js';
import { TransactionEngine } from '../../src/txn/engine.js';
import { Journal } from '../../src/txn/journal/index.js';
import { journalHistory } from '../../src/txn/journal/history.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { canMountTinyFs, mountTinyFs, type TinyFs } from '../tiny-fs.js';
import { approveAll, FakeHost, FakeReader, testCard } from './fakes.js';

const quiet = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe.skipIf(!canMountTinyFs)('a full disk during authorizing, on a real tmpfs', () => {
  let fs: TinyFs | undefined;
  let journal: Journal | undefined;
  afterEach(() => {
    journal?.close();
    fs?.unmount();
  });

  it('owes and sends the reversal, tells the register failed, and recovers by itself once space is freed', async () => {
    fs = mountTinyFs(512);
    journal = Journal.open({ dir: fs.dir, terminalId: 'T0000001' });
    const disk = fs;
    const sent: string[] = [];
    const duties = new ReversalDuties(journal.reversals, quiet);
    const sender = new ReversalSender({
      store: duties,
      logger: quiet,
      send: (reversal) => {
        sent.push(reversal.transactionId);
        return Promise.resolve('reversed' as const);
      },
    });
    // The host approves, and while it does (the first time) the disk fills up.
    let filled = false;
    const host = new FakeHost((req) => {
      if (!filled) disk.fill();
      filled = true;
      return approveAll(req);
    });
    const reader = new FakeReader();
    // As the terminal wires it: a reversal owed wakes the sender.
    const ledger = new JournalLedger({ journal, duties, logger: quiet });
    ledger.on((event) => {
      if (event.step === 'reversal-owed') sender.kick();
    });
    const engine = new TransactionEngine({
      reader,
      display: new RecordingDisplay(),
      host,
      ledger,
      history: journalHistory(journal),
      beforeAuthorize: async () => {
        await sender.drain();
      },
      clock: () => new Date(),
      logger: quiet,
      terminal: { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' },
    });

    const { id } = engine.start({ type: 'purchase', amount: 4100, currency: '978', reference: 'till/41' });
    await reader.armed();
    reader.present(testCard());
    const result = await engine.wait(id);
    expect(result).toMatchObject({ status: 'failed', responseCode: null, authCode: null, errorCode: 'JOURNAL_DISK_FULL' });
    expect(journal.fault?.code).toBe('JOURNAL_DISK_FULL');
    expect(duties.unpersisted).toBe(1);

    // Sent at once, from memory, while the disk is still full.
    await sender.drain();
    expect(sent).toEqual([id]);
    // A new purchase cannot be recorded: refused before anything happens.
    expect(() => engine.start({ type: 'purchase', amount: 100, currency: '978' })).toThrow(expect.objectContaining({ code: 'JOURNAL_DISK_FULL' }));

    disk.free();
    // The first write that commits clears the fault and writes the held duty and its acknowledgement down.
    expect(duties.persist()).toBe(true);
    expect(journal.fault).toBeNull();
    expect(duties.unpersisted).toBe(0);
    expect(journal.get(id).state).toBe('reversed');
    expect(duties.pending()).toEqual([]);
    // And payments go on, without a restart.
    const next = engine.start({ type: 'purchase', amount: 200, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    expect(await engine.wait(next.id)).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(journal.get(next.id)).toMatchObject({ state: 'completed', outcome: 'approved' });
  });
});
