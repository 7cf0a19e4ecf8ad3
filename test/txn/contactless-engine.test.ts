/**
 * The engine with contactless reads: a contactless chip read goes online
 * with its chip data and the host's answer is final (the card left the
 * field after its one cryptogram: no completion is asked of the reader); a
 * contactless mag-stripe read goes as a track without chip data and is not
 * sent back for the chip. The entry mode reaches the result and the journal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger as quiet } from '../../src/log/logger.js';
import type { CardRead } from '../../src/devices/card-reader.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { approveAll, chipCardOf, FakeChipReader, FakeHost, memoryLedger, testCard, testEngine } from './fakes.js';
import { openJournal, tempDir } from './journal-helpers.js';

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

/** A fresh card each time: the engine wipes a read's card data when it ends. */
const chipCard = () => testCard('4111111111111111', undefined, 'visa', '201');

function contactlessChip(): CardRead {
  return { entryMode: 'contactless', card: chipCardOf(chipCard()), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF00119F3901 07'.replace(/\s/g, ''), 'hex')) }, firstDecision: 'online' };
}

function contactlessMagstripe(): CardRead {
  return { entryMode: 'contactless-magstripe', card: chipCard() };
}

function setup(host = new FakeHost(approveAll)) {
  const reader = new FakeChipReader();
  const memory = memoryLedger({ lastStan: 7 });
  const engine = testEngine({ reader, host, ledger: memory });
  return { engine, reader, host, reversals: memory.reversals };
}

async function run(ctx: ReturnType<typeof setup>, read: CardRead) {
  const { id } = ctx.engine.start({ type: 'purchase', amount: 1500, currency: '978' });
  await ctx.reader.armed();
  ctx.reader.presentRead(read);
  return ctx.engine.wait(id);
}

describe('contactless chip (entry mode contactless)', () => {
  it('approved by the host: final, with the chip data sent and no completion asked of the reader', async () => {
    const ctx = setup();
    expect(await run(ctx, contactlessChip())).toMatchObject({ status: 'approved', entryMode: 'contactless', responseCode: '00', authCode: 'A1B2C3' });
    expect(ctx.host.requests[0]).toMatchObject({ chip: true, pin: false });
    expect(ctx.reader.completions).toEqual([]);
    expect(ctx.reversals.pending()).toHaveLength(0);
  });

  it('declined by the host: declined, nothing to reverse, no completion', async () => {
    const ctx = setup(new FakeHost((req) => Promise.resolve({ responseCode: '05', approved: false, authCode: null, rrn: null, stan: req.stan })));
    expect(await run(ctx, contactlessChip())).toMatchObject({ status: 'declined', entryMode: 'contactless', responseCode: '05', authCode: null });
    expect(ctx.reader.completions).toEqual([]);
    expect(ctx.reversals.pending()).toHaveLength(0);
  });

  it('a contact chip read on the same reader still hears the host (control)', async () => {
    const ctx = setup();
    const { id } = ctx.engine.start({ type: 'purchase', amount: 1500, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.presentChip(chipCard());
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'approved', entryMode: 'chip' });
    expect(ctx.reader.completions).toHaveLength(1);
  });
});

describe('contactless mag-stripe (entry mode contactless-magstripe)', () => {
  it('goes online as a track, without chip data, and is not sent back for the chip though its service code says chip', async () => {
    const ctx = setup();
    expect(await run(ctx, contactlessMagstripe())).toMatchObject({ status: 'approved', entryMode: 'contactless-magstripe' });
    expect(ctx.host.requests).toHaveLength(1);
    expect(ctx.host.requests[0]).toMatchObject({ chip: false, panSeen: '4111111111111111' });
    expect(ctx.reader.requests).toHaveLength(1); // one read: no "insert the chip" prompt
    expect(ctx.reader.completions).toEqual([]);
  });
});

describe('the journal keeps the entry mode', () => {
  it.each([
    ['contactless', contactlessChip],
    ['contactless-magstripe', contactlessMagstripe],
  ] as const)('%s', async (entryMode, read) => {
    const journal = openJournal(tempDir());
    journals.push(journal);
    const reader = new FakeChipReader();
    const engine = testEngine({ reader, host: new FakeHost(approveAll), ledger: new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, quiet), logger: quiet }) });
    const { id } = engine.start({ type: 'purchase', amount: 1500, currency: '978' });
    await reader.armed();
    reader.presentRead(read());
    await engine.wait(id);
    expect(journal.get(id)).toMatchObject({ state: 'completed', entryMode, maskedPan: '411111******1111' });
  });
});
