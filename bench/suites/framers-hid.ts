/**
 * From the last report (HID) or byte (serial) of a frame to the typed event:
 * median and p99 latency of this project's MagTek report parser (standard and
 * encrypting layouts), keyboard-report decoder and VFD renderer, set against
 * the wire time of the same frame, and the overhead as a % of that wire time.
 *
 * Wire times:
 * - HID, full speed: an input report travels in 64-byte interrupt packets,
 *   one per 1 ms poll (bInterval 1): a 337-byte report (+1 report ID byte
 *   counted by hidraw) is 6 polls, 856 bytes 14 polls; a keyboard report is
 *   one poll.
 * - Serial: 10 bits a byte (8N1) at 9600 baud (pole displays ship so) and at
 *   115200 baud (the target: overhead under 2 %).
 *
 * No peers: nothing else on npm parses these reports; ops/s is reported for
 * the harness's table and the ratio is empty.
 */
import { performance } from 'node:perf_hooks';
import { encryptedSwipeOf } from '../../drivers/magtek-hid/encrypted-swipe.js';
import { swipeLineOf } from '../../drivers/magtek-hid/magtek-hid-reader.js';
import { parseMagtekReport } from '../../drivers/magtek-hid/report-parser.js';
import { KeyboardLineDecoder } from '../../drivers/keyboard-msr/keyboard-line-decoder.js';
import { VFD_COMMAND_SETS } from '../../drivers/vfd-display/command-sets.js';
import { renderScreen } from '../../drivers/vfd-display/vfd-render.js';
import { findCard, loadDeck } from '../../hw-mocks/cards/deck.js';
import { encryptingReport, standardReport } from '../../hw-mocks/magtek/report-builder.js';
import { deriveTdesIpek } from '../../src/crypto/dukpt/tdes.js';
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { typeReports, keyboardSwipeLine } from '../../hw-mocks/keyboard-msr/virtual-keyboard-msr.js';
import { TWIN_BDK_HEX, TWIN_INITIAL_KSN_HEX } from '../../hw-mocks/magtek/twin-keys.js';
import { parseSwipeLine, wipeCard } from '../../src/card/swipe-line.js';
import { screens } from '../../src/display/screens.js';
import type { BenchOptions, BenchSuite, CaseResult, SuiteReport } from '../harness.js';

const HID_POLL_US = 1000;
const HID_PACKET_BYTES = 64;
const hidWireUs = (reportBytes: number): number => Math.ceil((reportBytes + 1) / HID_PACKET_BYTES) * HID_POLL_US;
const serialWireUs = (bytes: number, baudRate: number): number => (bytes * 10 * 1e6) / baudRate;

interface Latency {
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
}

/** Runs `fn` `iterations` times (after a warm-up) and returns per-call latencies. */
function measure(fn: () => void, options: BenchOptions): Latency {
  const iterations = options.quick ? 2_000 : 20_000;
  for (let i = 0; i < Math.min(1000, iterations); i++) fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    samples[i] = (performance.now() - t0) * 1000;
  }
  samples.sort();
  const mean = samples.reduce((a, b) => a + b, 0) / iterations;
  return { medianUs: samples[Math.floor(iterations / 2)] ?? 0, p99Us: samples[Math.floor(iterations * 0.99)] ?? 0, meanUs: mean };
}

function row(caseName: string, latency: Latency, wires: Readonly<Record<string, number>>): CaseResult {
  const extra: Record<string, number> = { medianUs: latency.medianUs, p99Us: latency.p99Us };
  for (const [name, us] of Object.entries(wires)) {
    extra[`wire_${name}_us`] = us;
    extra[`overhead_${name}_pct`] = (latency.p99Us / us) * 100;
  }
  return { suite: 'framers-hid', case: caseName, opsPerSec: { ours: 1e6 / latency.meanUs }, ratio: {}, extra };
}

export const suite: BenchSuite = {
  name: 'framers-hid',
  run(options: BenchOptions): Promise<SuiteReport> {
    const deck = loadDeck();
    const card = findCard(deck, 'visa-ok');
    if (card === undefined) throw new Error('deck has no visa-ok');
    const cases: CaseResult[] = [];

    // MagTek standard: report → CardRead (what the driver does when the report arrives).
    const std = standardReport(card);
    cases.push(
      row(
        'magtek 337 B report → CardRead',
        measure(() => {
          const parsed = parseMagtekReport(std);
          if (parsed.layout === 'standard') wipeCard(parseSwipeLine(swipeLineOf(parsed)));
        }, options),
        { hid1ms: hidWireUs(std.length) },
      ),
    );

    // MagTek encrypting: report → EncryptedSwipe (no decryption on the terminal).
    const bdk = Buffer.from(TWIN_BDK_HEX, 'hex');
    const ksn = Buffer.from(TWIN_INITIAL_KSN_HEX, 'hex');
    const enc = encryptingReport(card, new TdesDukptOriginator(deriveTdesIpek(bdk, ksn), ksn));
    cases.push(
      row(
        'magtek 856 B report → EncryptedSwipe',
        measure(() => {
          const parsed = parseMagtekReport(enc);
          if (parsed.layout === 'encrypting') encryptedSwipeOf(parsed);
        }, options),
        { hid1ms: hidWireUs(enc.length) },
      ),
    );

    // Keyboard: the ENTER report that completes a swipe → CardRead (the line typed before it is buffered).
    const reports = typeReports(keyboardSwipeLine(card));
    const enterAt = reports.length - 2;
    const decoder = new KeyboardLineDecoder({ maxLineBytes: 512, interKeyTimeoutMs: 1e9, onTimeout: () => undefined });
    const last = reports[enterAt]!;
    const before = reports.slice(0, enterAt);
    cases.push(
      row(
        'keyboard ENTER report → CardRead',
        (() => {
          // Only the last report is timed: type the rest untimed, then time ENTER → line → card.
          const iterations = options.quick ? 500 : 5_000;
          const samples = new Float64Array(iterations);
          for (let i = 0; i < iterations; i++) {
            for (const r of before) decoder.push(r);
            const t0 = performance.now();
            for (const e of decoder.push(last)) if (e.type === 'line') wipeCard(parseSwipeLine(e.line));
            samples[i] = (performance.now() - t0) * 1000;
            decoder.push(reports[enterAt + 1]!);
          }
          samples.sort();
          return { medianUs: samples[iterations >> 1] ?? 0, p99Us: samples[Math.floor(iterations * 0.99)] ?? 0, meanUs: samples.reduce((a, b) => a + b, 0) / iterations };
        })(),
        { hid1ms: HID_POLL_US },
      ),
    );
    const perReport = measure(() => {
      for (const r of reports) decoder.push(r);
    }, { quick: true });
    cases.push(row(`keyboard whole swipe (${reports.length} reports)`, perReport, { hid1ms: reports.length * HID_POLL_US }));
    decoder.dispose();

    // VFD: a screen → bytes for the wire.
    for (const name of ['cd5220', 'epson'] as const) {
      const set = VFD_COMMAND_SETS[name];
      const screen = screens.presentCard({ minor: 123456, currency: '978' });
      const bytes = renderScreen(screen, set).length;
      cases.push(
        row(`vfd ${name} screen → ${bytes} B`, measure(() => void renderScreen(screen, set), options), {
          serial9600: serialWireUs(bytes, 9600),
          serial115200: serialWireUs(bytes, 115200),
        }),
      );
    }

    return Promise.resolve({
      suite: 'framers-hid',
      cases,
      notes: [
        'overhead = p99 latency ÷ wire time of the frame; HID wire time = 64-byte packets at one per 1 ms poll',
        'keyboard: only the ENTER report is timed in the first row; the second row times decoding every report of a swipe',
      ],
    });
  },
};
