/**
 * Serial framers and drivers: the time from the last byte of a frame on the
 * wire to the typed event, for the ViVOpay protocol 2 framer and reader
 * driver and the VeriFone PIN pad framer and driver, against the wire time of
 * the same frame at the configured line speed (115200 baud 8N1 for the
 * ViVOpay, 1200 baud 7E1 for the PIN pad: 10 bits a character either way).
 *
 * Each sample feeds everything but the last byte first, then times the last
 * byte alone, as a UART delivers it. Driver cases run over the in-memory
 * pair, so they include its microtask hop (a real port adds a libuv read).
 * Median and p99 in µs; `overheadPct` is the median over the wire time.
 * Target: under 2% of the wire time at 115200 baud.
 */
import { createMemoryTransportPair, type MemoryTransport } from '../../drivers/transport/memory-transport.js';
import { VerifoneFramer } from '../../drivers/verifone-pinpad/framer.js';
import { encodePacket } from '../../drivers/verifone-pinpad/protocol.js';
import { createVerifonePinPad } from '../../drivers/verifone-pinpad/verifone-pinpad.js';
import { VivopayFramer } from '../../drivers/vivopay/framer.js';
import { createVivopayReader } from '../../drivers/vivopay/vivopay-reader.js';
import { findCard, loadDeck } from '../../hw-mocks/cards/deck.js';
import { msrDataBlock } from '../../hw-mocks/vivopay/msr-data.js';
import { encodeResponse } from '../../hw-mocks/vivopay/command-framer.js';
import type { CardRead } from '../../src/devices/card-reader.js';
import type { PinEntryResult } from '../../src/devices/pin-pad.js';
import { encode } from '../../src/emv/ber-tlv.js';
import { Sensitive } from '../../src/util/sensitive.js';
import type { BenchOptions, BenchSuite, CaseResult, SuiteReport } from '../harness.js';

const SUITE = 'framers-serial';
const BITS_PER_CHAR = 10; // start + 8 data + stop (8N1), or start + 7 data + parity + stop (7E1)

function wireUs(bytes: number, baudRate: number): number {
  return (bytes * BITS_PER_CHAR * 1e6) / baudRate;
}

/** Median and p99 of the samples after the first tenth (warm-up: JIT, first allocations). */
function stats(samplesNs: number[]): { medianUs: number; p99Us: number } {
  const sorted = samplesNs.slice(Math.floor(samplesNs.length / 10)).sort((a, b) => a - b);
  const at = (q: number): number => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) / 1000;
  return { medianUs: at(0.5), p99Us: at(0.99) };
}

function result(caseName: string, samplesNs: number[], frameBytes: number, baudRate: number): CaseResult {
  const { medianUs, p99Us } = stats(samplesNs);
  const wire = wireUs(frameBytes, baudRate);
  return {
    suite: SUITE,
    case: caseName,
    opsPerSec: { ours: medianUs > 0 ? 1e6 / medianUs : null },
    ratio: {},
    extra: { medianUs, p99Us, frameBytes, baudRate, wireUs: wire, overheadPct: (100 * medianUs) / wire, p99OverheadPct: (100 * p99Us) / wire },
  };
}

/** A chip read's answer as the virtual reader sends it: the online request (≈ 300 bytes). */
/** A 60-11 answer as a NEO 2 gives it to go online: result 00 04 and the online-request TLVs (values of their sizes). */
function chipAnswer(): Buffer {
  const card = findCard(loadDeck(), 'visa-ok');
  if (card === undefined) throw new Error('deck has no visa-ok');
  const sizes: readonly (readonly [string, number])[] = [
    ['5A', 8], ['5F24', 3], ['5F34', 1], ['5F28', 2], ['82', 2], ['84', 7], ['95', 5], ['9A', 3], ['9C', 1], ['9F02', 6], ['9F03', 6], ['9F09', 2], ['9F10', 7],
    ['9F1A', 2], ['9F1E', 8], ['9F26', 8], ['9F27', 1], ['9F33', 3], ['9F34', 3], ['9F35', 1], ['9F36', 2], ['9F37', 4], ['5F2A', 2], ['9B', 2], ['4F', 7], ['9F39', 1],
  ];
  const track2 = Buffer.from(`${card.pan}D${card.expiry}${card.serviceCode}${card.discretionary}`.padEnd(38, 'F').slice(0, 38), 'hex');
  const tlv = encode([{ tag: '57', value: track2 }, ...sizes.map(([tag, length]) => ({ tag, value: Buffer.alloc(length, 0x11) }))]);
  return encodeResponse(0x60, 0x00, Buffer.concat([Buffer.from([0x00, 0x04]), tlv]));
}

/** A 60-10 answer for a swipe of a stripe-only card: result 00 11, DFEE23 MSR data, 9F39 90 — one frame to a `CardRead`. */
function swipeAnswer(): Buffer {
  const card = findCard(loadDeck(), 'visa-ok');
  if (card === undefined) throw new Error('deck has no visa-ok');
  const tlv = encode([{ tag: 'DFEE23', value: msrDataBlock({ ...card, serviceCode: '101' }) }, { tag: '9F39', value: Buffer.from([0x90]) }]);
  return encodeResponse(0x60, 0x00, Buffer.concat([Buffer.from([0x00, 0x11]), tlv]));
}

function framerCase<F extends { push(chunk: Uint8Array): unknown[] }>(make: () => F, frame: Buffer, iterations: number): number[] {
  const f = make();
  const head = frame.subarray(0, frame.length - 1);
  const last = frame.subarray(frame.length - 1);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    f.push(head);
    const t0 = process.hrtime.bigint();
    const events = f.push(last);
    const t1 = process.hrtime.bigint();
    if (events.length !== 1) throw new Error('framer bench: expected one event');
    samples.push(Number(t1 - t0));
  }
  return samples;
}

/** How a driver case drives its driver: the request, the device's part before the answer frame (if any), and after it. */
interface DriverScript<D, R> {
  readonly ask: (driver: D) => Promise<R>;
  readonly lead?: (device: MemoryTransport) => Promise<void>;
  readonly finish?: (answer: R, device: MemoryTransport) => Promise<void> | void;
}

/** Latency over the in-memory pair from the answer frame's last byte to the driver's typed answer, the rest of the frame already sent. */
async function driverCase<D extends { close(): Promise<void> }, R>(make: (host: MemoryTransport) => D, script: DriverScript<D, R>, frame: Buffer, iterations: number): Promise<number[]> {
  const [host, device] = createMemoryTransportPair();
  const driver = make(host);
  const samples: number[] = [];
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
  for (let i = 0; i < iterations; i++) {
    const pending = script.ask(driver);
    await script.lead?.(device);
    await device.write(frame.subarray(0, frame.length - 1));
    await settle();
    const t0 = process.hrtime.bigint();
    await device.write(frame.subarray(frame.length - 1));
    const answer = await pending;
    samples.push(Number(process.hrtime.bigint() - t0));
    await script.finish?.(answer, device);
  }
  await driver.close();
  return samples;
}

const READER_SCRIPT: DriverScript<ReturnType<typeof createVivopayReader>, CardRead> = {
  ask: (reader) => reader.readCard({ amountMinor: 1000, currency: '978' }, new AbortController().signal),
  finish: (read) => read.card.pan.wipe(),
};

const PIN_PAD_SCRIPT: DriverScript<ReturnType<typeof createVerifonePinPad>, PinEntryResult> = {
  ask: (pad) => pad.requestPin({ pan: Sensitive.pan('4111111111111111'), amountMinor: 1000, currency: '978', timeoutMs: 60_000 }, new AbortController().signal),
  // The pad acknowledges the request (ACK) before its answer, and the driver's ACK of the answer with EOT after.
  lead: async (device) => {
    await new Promise((r) => setImmediate(r));
    await device.write(Buffer.from([0x06]));
  },
  finish: (_pin, device) => device.write(Buffer.from([0x04])),
};

export const suite: BenchSuite = {
  name: SUITE,
  async run(options: BenchOptions): Promise<SuiteReport> {
    const n = options.quick ? 500 : 5000;
    const chip = chipAnswer();
    const swipe = swipeAnswer();
    const ping = encodeResponse(0x18, 0x00);
    const pin = encodePacket('data', Buffer.from('73.000009876543210E000011122334455667788', 'latin1'));
    const noop = (): void => undefined;
    const vivo = (): VivopayFramer => new VivopayFramer({ maxFrameBytes: 4096, interByteTimeoutMs: 200, onTimeout: noop });
    const verifone = (): VerifoneFramer => new VerifoneFramer({ maxFrameBytes: 256, interByteTimeoutMs: 1000, onTimeout: noop });
    const cases: CaseResult[] = [
      result('vivopay framer: ping answer', framerCase(vivo, ping, n), ping.length, 115200),
      result('vivopay framer: chip online request', framerCase(vivo, chip, n), chip.length, 115200),
      result('vivopay driver: swipe answer → CardRead', await driverCase(createVivopayReader, READER_SCRIPT, swipe, Math.ceil(n / 5)), swipe.length, 115200),
      result('verifone framer: 73 PIN block', framerCase(verifone, pin, n), pin.length, 1200),
      result('verifone driver: 73 → PinEntryResult', await driverCase(createVerifonePinPad, PIN_PAD_SCRIPT, pin, Math.ceil(n / 5)), pin.length, 1200),
    ];
    return {
      suite: SUITE,
      cases,
      notes: [
        'latency = last byte pushed → typed event; wire time = frame bytes × 10 bits ÷ baud',
        'driver cases run over the in-memory pair: one microtask hop included, no kernel or libuv read',
      ],
    };
  },
};
