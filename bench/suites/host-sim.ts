/**
 * The bank-host simulator's throughput on loopback: 50 persistent TCP
 * connections (two-byte header, iso87ascii), each sending its next 0200 as
 * soon as the previous answer arrives, every request fully verified by the
 * issuer core — X9.19 MAC (required), online PIN under TDES DUKPT, ARQC
 * (EMV option A, common session key) with an ARPC in the answer.
 *
 * Requests are built before the clock starts (the terminal's encoder, the
 * virtual PIN pad's `TdesDukptOriginator`, a virtual card's ARQC), one
 * terminal ID per connection so STANs never repeat. Bounded: 20,000
 * requests or 10 s, whichever comes first (`--quick`: 1,000 or 3 s).
 * Reports authorizations per second and p50/p99 latency (send → answer),
 * and the rate over the first and the last quarter of the run (the core's
 * ledger grows with every request).
 *
 * Three cases on the same requests: the simulator as `pos host-sim` runs it
 * (ISO 8583 sockets on an I/O thread beside the issuer), the same on one
 * thread (`--no-io-thread`), and the issuer core alone with no sockets —
 * the verifying work per request, to set the wire's cost against. Each
 * simulator runs on a worker thread of its own, the load generator on the
 * main thread: the machine's two cores are shared by all three.
 */
import { Worker } from 'node:worker_threads';
import { connect, type Socket } from 'node:net';
import { loadDeck, type Deck } from '../../hw-mocks/cards/deck.js';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { loadSimulationKeys, type SimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { deriveTdesIpek, tdesWorkingKey } from '../../src/crypto/dukpt/tdes.js';
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { encryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import { frameMessage, LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { encodeFinancialRequest } from '../../src/host/messages/financial.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { Sensitive } from '../../src/util/sensitive.js';
import type { BenchOptions, BenchSuite, CaseResult, SuiteReport } from '../harness.js';
import { onlineChipData } from '../online-chip-data.js';

const CONNECTIONS = 50;
/** Untimed requests per connection first, so that what is timed is the steady state (optimised code, connections up, caches warm). */
const WARM_UP = 20;
const CARD_ID = 'visa-ok';
const AT = new Date(Date.UTC(2026, 5, 15, 14, 30, 0));

interface Load {
  readonly requests: number;
  readonly maxMs: number;
}

/** The default deck with the bench card's balance large enough for every request. */
function benchDeck(): Deck {
  const deck = loadDeck();
  return { ...deck, cards: deck.cards.map((c) => (c.id === CARD_ID ? { ...c, balance: Number.MAX_SAFE_INTEGER / 4 } : c)) };
}

/** `perConnection` framed, MAC'd 0200s per connection, each with a DUKPT PIN block and an ARQC. */
function buildRequests(keys: SimulationKeys, deck: Deck, perConnection: number): Buffer[][] {
  const card = deck.cards.find((c) => c.id === CARD_ID);
  const imk = keys.issuerMasterKey(CARD_ID);
  if (card === undefined || imk === undefined) throw new Error(`bench needs deck card ${CARD_ID} with an issuer master key`);
  const originator = new TdesDukptOriginator(deriveTdesIpek(keys.tdesBdk, keys.tdesInitialKsn), keys.tdesInitialKsn);
  const masterKey = deriveCardMasterKey(imk, card.pan, '01', 'A');
  const track2 = `${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}`;
  const out: Buffer[][] = [];
  let atc = 0;
  for (let c = 0; c < CONNECTIONS; c++) {
    const frames: Buffer[] = [];
    for (let i = 0; i < perConnection; i++) {
      atc = (atc % 0xfffe) + 1;
      const { tlv } = onlineChipData(masterKey, card.pan, { amountMinor: 1, atc, unpredictableNumber: Buffer.from((0x10000000 + i).toString(16).slice(-8), 'hex') });
      const { ksn, transactionKey } = originator.nextTransaction();
      const pinBlock = encryptPinBlock(tdesWorkingKey(transactionKey, 'pin'), { format: 0, pin: card.pin, pan: card.pan });
      const bytes = encodeFinancialRequest(
        iso87ascii,
        {
          kind: 'purchase',
          stan: String(i + 1).padStart(6, '0'),
          at: AT,
          amountMinor: 1,
          currency: '978',
          entryMode: 'chip',
          card: { pan: Sensitive.pan(card.pan), expiry: { year: 2000 + Number(card.expiry.slice(0, 2)), month: Number(card.expiry.slice(2)) }, serviceCode: card.serviceCode, brand: 'visa', track2: Sensitive.text('track', track2) },
          terminalId: `B${String(c).padStart(7, '0')}`,
          merchantId: 'M00000000000001',
          pin: { pinBlock: Sensitive.of('pin-block', pinBlock), ksn, format: 'iso0' },
          chip: { tlv: Sensitive.of('data', tlv) },
        },
        { macKey: keys.tak },
      );
      frames.push(frameMessage(bytes));
    }
    out.push(frames);
  }
  return out;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** One closed-loop connection: send, wait for the answer, send the next, until done or the deadline. */
function drive(port: number, frames: readonly Buffer[], deadline: number, latenciesMs: number[], doneAtMs: number[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const framer = new LengthPrefixFramer();
    let next = 0;
    let sentAt = 0;
    const send = (): void => {
      const frame = frames[next];
      if (frame === undefined || performance.now() >= deadline) {
        socket.end();
        resolve();
        return;
      }
      next += 1;
      sentAt = performance.now();
      socket.write(frame);
    };
    socket.on('connect', send);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const answers = framer.push(chunk).length;
      for (let k = 0; k < answers; k++) {
        const now = performance.now();
        latenciesMs.push(now - sentAt);
        doneAtMs.push(now);
        send();
      }
    });
  });
}

interface SocketRun {
  readonly latencies: number[];
  readonly doneAt: number[];
  readonly elapsedMs: number;
  readonly approved: number;
}

/** One simulator on its worker thread, warmed up, then driven by every connection at once until done or `maxMs`. */
async function overSockets(frames: readonly Buffer[][], deck: Deck, ioThread: boolean, maxMs: number): Promise<SocketRun> {
  const sim = new Worker(new URL('../host-sim-worker.js', import.meta.url), { workerData: { deck, ioThread } });
  const port = await new Promise<number>((resolve, reject) => {
    sim.once('message', (m: { kind: string; port: number }) => resolve(m.port));
    sim.once('error', reject);
  });
  const latencies: number[] = [];
  const doneAt: number[] = [];
  let elapsedMs = 0;
  let approvedTotal = 0;
  try {
    // warm-up, untimed: the first WARM_UP requests of every connection
    await Promise.all(frames.map((f) => drive(port, f.slice(0, WARM_UP), Number.POSITIVE_INFINITY, [], [])));
    const started = performance.now();
    await Promise.all(frames.map((f) => drive(port, f.slice(WARM_UP), started + maxMs, latencies, doneAt)));
    elapsedMs = performance.now() - started;
  } finally {
    approvedTotal = await new Promise<number>((resolve) => {
      sim.once('message', (m: { kind: string; approved: number }) => resolve(m.approved));
      sim.postMessage({ kind: 'stop' });
    });
    await sim.terminate();
  }
  return { latencies, doneAt, elapsedMs, approved: approvedTotal - WARM_UP * CONNECTIONS };
}

function socketCase(name: string, run: SocketRun, notes: string[]): CaseResult {
  const { latencies, doneAt, elapsedMs, approved } = run;
  const quarter = Math.floor(doneAt.length / 4);
  doneAt.sort((a, b) => a - b);
  const rateOf = (from: number, to: number): number => ((to - from) / ((doneAt[to - 1] ?? 0) - (doneAt[from] ?? 0))) * 1000;
  const sorted = Float64Array.from(latencies).sort();
  notes.push(`${name}: ${latencies.length} authorizations in ${(elapsedMs / 1000).toFixed(2)} s over ${CONNECTIONS} connections; ${approved} approved by the verifying core (MAC, DUKPT PIN, ARQC)`);
  if (approved !== latencies.length) notes.push(`WARNING: ${latencies.length - approved} answers were not 00 — the load is not what it claims`);
  return {
    suite: 'host-sim',
    case: name,
    opsPerSec: { 'pos host-sim': (latencies.length / elapsedMs) * 1000 },
    ratio: {},
    extra: {
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      requests: latencies.length,
      approved,
      firstQuarterPerSec: rateOf(0, quarter),
      lastQuarterPerSec: rateOf(doneAt.length - quarter, doneAt.length),
      targetPerSec: 5000,
    },
  };
}

/** The issuer core alone on this thread, same requests, no sockets: what the wire costs on top. */
function coreAlone(frames: readonly Buffer[][], deck: Deck, maxMs: number): CaseResult {
  const issuer = new IssuerHost({ deck, requireMac: true });
  // The same frames in the order connections would interleave them, without their length headers.
  const bodies: Buffer[] = [];
  for (let i = 0; i < (frames[0]?.length ?? 0); i++) for (const f of frames) if (f[i] !== undefined) bodies.push(f[i]!.subarray(2));
  const warm = WARM_UP * CONNECTIONS;
  for (const body of bodies.slice(0, warm)) issuer.handleFrame(body);
  const started = performance.now();
  let done = 0;
  for (const body of bodies.slice(warm)) {
    issuer.handleFrame(body);
    done += 1;
    if ((done & 255) === 0 && performance.now() - started > maxMs) break;
  }
  const elapsedMs = performance.now() - started;
  return {
    suite: 'host-sim',
    case: '0200 PIN+MAC+ARQC, issuer core alone',
    opsPerSec: { 'pos host-sim': (done / elapsedMs) * 1000 },
    ratio: {},
    extra: { usPerRequest: (elapsedMs * 1000) / done, requests: done },
  };
}

async function run(load: Load): Promise<SuiteReport> {
  const keys = loadSimulationKeys();
  const deck = benchDeck();
  const frames = buildRequests(keys, deck, Math.ceil(load.requests / CONNECTIONS) + WARM_UP);
  const notes: string[] = [];
  const core = coreAlone(frames, deck, load.maxMs);
  const oneThread = socketCase(`0200 PIN+MAC+ARQC, ${CONNECTIONS} conns, one thread`, await overSockets(frames, deck, false, load.maxMs), notes);
  const ioThread = socketCase(`0200 PIN+MAC+ARQC, ${CONNECTIONS} conns, sockets on own thread`, await overSockets(frames, deck, true, load.maxMs), notes);
  notes.push(
    'each simulator runs on its own worker thread; the load generator (prebuilt requests, closed loop) on the main thread',
    '"sockets on own thread" is what `pos host-sim` runs (its ISO 8583 sockets on an I/O thread beside the issuer); "one thread" is `--no-io-thread`',
    '"issuer core alone" hands the same frames to the core on this thread: the verifying work per request without any wire',
  );
  return { suite: 'host-sim', cases: [ioThread, oneThread, core], notes };
}

export const suite: BenchSuite = {
  name: 'host-sim',
  run: (options: BenchOptions) => run(options.quick ? { requests: 1000, maxMs: 3000 } : { requests: 20_000, maxMs: 10_000 }),
};
