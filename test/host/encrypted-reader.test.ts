/**
 * Issue 6, the encrypting reader end to end: the MagTek driver and its twin
 * over the in-memory HID pair (the twin injected with the simulator's BDK),
 * the transaction engine with a real journal, the ISO 8583 host client with
 * its MAC, and the bank-host simulator over real TCP — through a tap that
 * keeps every byte the terminal sent. The terminal never holds a clear
 * track: the wire, the journal and the log are scanned for the PAN and track
 * 2, and the simulator's decryption is shown to be real (the ledger names the
 * deck card, a tampered block is declined 88).
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMagtekHidReader, type MagtekHidReader } from '../../drivers/magtek-hid/magtek-hid-reader.js';
import { createHidMemoryPair } from '../../drivers/transport/hid-memory.js';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { createVirtualMagtekReader, MAGTEK_TWIN_IDS, type VirtualMagtekReader } from '../../hw-mocks/magtek/virtual-magtek-reader.js';
import { simulationMagtekKeys } from '../../hw-mocks/magtek/twin-keys.js';
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import { deriveTdesKeyFromBdk } from '../../src/crypto/dukpt/tdes.js';
import type { CardReader, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { TerminalMacKey } from '../../src/host/keys.js';
import { LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { parseEncryptedTracksField } from '../../src/host/messages/encrypted-tracks.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { captureLog } from '../log-capture.js';
import { TransactionEngine } from '../../src/txn/engine.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import type { Journal } from '../../src/txn/journal/journal.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { journalBytes, openJournal, tempDir } from '../txn/journal-helpers.js';
import { deckCard, isoClient } from './helpers.js';

const KEYS = loadSimulationKeys();
const NOW = new Date(2026, 5, 15, 12, 0, 0);

/** A TCP pass-through that keeps every byte the terminal sent, framed as the host reads it. */
async function tap(targetPort: number): Promise<{ port: number; frames: Buffer[]; close(): Promise<void> }> {
  const frames: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
    const framer = new LengthPrefixFramer();
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.on('data', (chunk: Buffer) => {
      frames.push(...framer.push(chunk));
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    frames,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The driver as the engine sees it, with a hook to alter a read on its way (a tampered block) and a copy of every read's bytes. */
class TappedReader implements CardReader {
  readonly name = 'tapped-magtek';
  readonly held: string[] = [];
  alter: ((read: SwipeRead) => SwipeRead) | undefined;
  #onArmed: (() => void) | undefined;
  constructor(private readonly inner: MagtekHidReader) {}
  /** Resolves when the engine next asks for a card, once the driver's read is armed (it arms synchronously). */
  nextRead(): Promise<void> {
    return new Promise((resolve) => {
      this.#onArmed = resolve;
    });
  }
  async readCard(request: ReadRequest, signal: AbortSignal): Promise<SwipeRead> {
    const reading = this.inner.readCard(request, signal);
    this.#onArmed?.();
    this.#onArmed = undefined;
    const read = await reading;
    const e = read.encrypted;
    this.held.push(
      Buffer.concat([read.card.pan.reveal(), read.card.track2.reveal(), e?.ksn ?? Buffer.alloc(0), e?.track2 ?? Buffer.alloc(0), e?.track1 ?? Buffer.alloc(0)]).toString('latin1'),
    );
    return this.alter === undefined ? read : this.alter(read);
  }
  state() {
    return this.inner.state();
  }
  close() {
    return this.inner.close();
  }
}

interface Rig {
  sim: BankHostSimulator;
  wire: Awaited<ReturnType<typeof tap>>;
  twin: VirtualMagtekReader;
  reader: TappedReader;
  engine: TransactionEngine;
  journal: Journal;
  journalDir: string;
  log: () => string;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const sim = new BankHostSimulator({ clock: () => NOW, requireMac: true });
  await sim.start();
  const wire = await tap(sim.port);
  const client = isoClient(wire.port, { macKey: TerminalMacKey.fromKeyBlock(KEYS.tdesKbpk, KEYS.file.terminal.tak.keyBlock) });
  const { logger, text } = captureLog('trace');
  const [host, device] = createHidMemoryPair({ ...MAGTEK_TWIN_IDS, inputReportBytes: 887 });
  const twinKeys = simulationMagtekKeys();
  const twin = createVirtualMagtekReader(device, { layout: 'encrypting', bdk: twinKeys.bdk, initialKsnHex: twinKeys.initialKsnHex });
  twinKeys.bdk.fill(0);
  const reader = new TappedReader(createMagtekHidReader(host, { logger }));
  const journalDir = tempDir('pos-encrypted-');
  const journal = openJournal(journalDir);
  const engine = new TransactionEngine({
    reader,
    display: new RecordingDisplay(),
    host: client,
    ledger: new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, logger), logger }),
    clock: () => NOW,
    logger,
    terminal: { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' },
  });
  return {
    sim,
    wire,
    twin,
    reader,
    engine,
    journal,
    journalDir,
    log: text,
    close: async () => {
      await reader.close();
      await twin.close();
      await client.close();
      await wire.close();
      await sim.stop();
      journal.close();
    },
  };
}

/** One purchase: the engine arms the reader, the cardholder swipes on the twin. */
async function swipe(r: Rig, cardId: string, amount: number) {
  const armed = r.reader.nextRead();
  const started = r.engine.start({ type: 'purchase', amount, currency: '978' });
  // A swipe before the driver's read is armed is dropped, as on a real reader: swipe once it is.
  await armed;
  expect(r.engine.get(started.id)?.state).toBe('waiting-for-card');
  await r.twin.swipe(deckCard(cardId));
  return r.engine.wait(started.id);
}

function trackOf(id: string): string {
  const c = deckCard(id);
  return `${c.pan}=${c.expiry}${c.serviceCode}${c.discretionary}`;
}

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

describe('encrypting MagTek reader → engine → ISO 8583 host client → simulator over TCP', () => {
  it('approves visa-ok: the simulator decrypted the block (the deck card account is debited), and the terminal never held the PAN or track 2', async () => {
    const ended = await swipe(r, 'visa-ok', 1234);
    expect(ended).toMatchObject({ status: 'approved', responseCode: '00', maskedPan: '411111******1111', brand: 'visa', entryMode: 'swipe' });
    expect(r.sim.balanceOf('visa-ok')).toBe(100_000 - 1234);
    expect(r.sim.ledger.at(-1)).toMatchObject({ mti: '0200', maskedPan: '411111******1111', responseCode: '00' });

    const pan = deckCard('visa-ok').pan;
    // What the driver handed the engine: masked data and ciphertext only.
    expect(r.reader.held).toHaveLength(1);
    expect(r.reader.held[0]).toContain('411111******1111');
    expect(r.reader.held[0]).not.toContain(pan);
    // The request on the wire: no DE 2, 14, 35; DE 48 with the reader's block and KSN.
    expect(r.wire.frames).toHaveLength(1);
    const bytes = r.wire.frames[0]!.toString('latin1');
    expect(bytes).not.toContain(pan);
    expect(bytes).not.toContain(trackOf('visa-ok'));
    expect(bytes).not.toContain(pan.slice(6, 12)); // not even the hidden middle digits
    const request = decodeMessage(iso87ascii, r.wire.frames[0]!);
    expect([2, 14, 35].map((n) => request.has(n))).toEqual([false, false, false]);
    const de48 = parseEncryptedTracksField(request.get(48) as string);
    expect(de48).toMatchObject({ scheme: 'magtek-tdes-dukpt', bin: '411111', lastFour: '1111' });
    expect(de48.ksn.toString('hex').toUpperCase()).toBe('FFFF0801A5B3C4E00001');
    // Positive control: that block is the real track under the simulator's BDK, so the scans above could have failed.
    const key = deriveTdesKeyFromBdk(KEYS.tdesBdk, de48.ksn, 'dataRequest');
    expect(tdesCbc(key, Buffer.alloc(8), de48.track2, 'decrypt').toString('latin1')).toContain(`;${trackOf('visa-ok')}?`);
    // The journal and the log: masked PAN, never the PAN or the track.
    const journal = journalBytes(r.journalDir);
    expect(journal).toContain('411111******1111');
    expect(journal).not.toContain(pan);
    expect(journal).not.toContain(trackOf('visa-ok'));
    expect(r.log()).toContain('411111******1111');
    expect(r.log()).not.toContain(pan);
  });

  it.each<[string, string, number, { status: string; responseCode?: string; errorCode?: string }]>([
    ['funds short: 51 from the decrypted PAN', 'mc-low-funds', 2500, { status: 'declined', responseCode: '51' }],
    ['unknown card: 14 from the decrypted PAN', 'visa-unknown', 4200, { status: 'declined', responseCode: '14' }],
    ['restricted service code: 62', 'discover-atm-only', 3000, { status: 'declined', responseCode: '62' }],
    ['PAN fails Luhn: the terminal cannot see it, the host answers 14', 'visa-bad-luhn', 990, { status: 'declined', responseCode: '14' }],
    ['expired card: declined by the engine from the masked track, nothing sent', 'visa-expired', 1500, { status: 'declined', errorCode: 'CARD_EXPIRED' }],
  ])('%s', async (_what, cardId, amount, expected) => {
    const ended = await swipe(r, cardId, amount);
    expect(ended).toMatchObject(expected);
    expect(r.wire.frames).toHaveLength(expected.responseCode === undefined ? 0 : 1);
    for (const frame of r.wire.frames) expect(frame.toString('latin1')).not.toContain(deckCard(cardId).pan);
  });

  it.each<[string, (read: SwipeRead) => SwipeRead]>([
    ['a flipped bit in the track 2 block', (read) => withEncrypted(read, (e) => ({ ...e, track2: flip(e.track2, 0) }))],
    ['a flipped bit in the last block (the end sentinel and padding)', (read) => withEncrypted(read, (e) => ({ ...e, track2: flip(e.track2, e.track2.length - 1) }))],
    ['another KSN counter (a different data key)', (read) => withEncrypted(read, (e) => ({ ...e, ksn: flip(e.ksn, 9) }))],
  ])('%s: the simulator declines 88 and debits nothing', async (_what, alter) => {
    r.reader.alter = alter;
    const ended = await swipe(r, 'visa-ok', 700);
    expect(ended).toMatchObject({ status: 'declined', responseCode: '88' });
    expect(r.sim.balanceOf('visa-ok')).toBe(100_000);
    expect(r.sim.ledger.at(-1)).toMatchObject({ responseCode: '88', maskedPan: null, authCode: null });
  });

  it('a block swapped in from another card is refused 88 (the decrypted PAN disagrees with the BIN / last four sent)', async () => {
    // The first swipe's read is kept, then replayed under the masked data of a second card.
    let kept: SwipeRead['encrypted'];
    r.reader.alter = (read) => {
      kept = read.encrypted;
      return read;
    };
    await swipe(r, 'mc-low-funds', 100);
    r.reader.alter = (read) => ({ ...read, ...(kept === undefined ? {} : { encrypted: kept }) });
    const ended = await swipe(r, 'visa-ok', 100);
    expect(ended).toMatchObject({ status: 'declined', responseCode: '88' });
    expect(r.sim.balanceOf('mc-low-funds')).toBe(500 - 100);
    expect(r.sim.balanceOf('visa-ok')).toBe(100_000);
  });
});

function withEncrypted(read: SwipeRead, change: (e: NonNullable<SwipeRead['encrypted']>) => NonNullable<SwipeRead['encrypted']>): SwipeRead {
  if (read.encrypted === undefined) throw new Error('not an encrypted read');
  return { ...read, encrypted: change(read.encrypted) };
}

function flip(bytes: Buffer, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}
