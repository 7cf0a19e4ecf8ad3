/**
 * Hot-plug, end to end: a device that goes away mid-transaction cancels it
 * with a clear reason on the display, is reopened with backoff (a port still
 * locked by the dying handle is retried), and the next purchase goes through.
 * Unit tests run over the in-memory pair with fake timers; the integration
 * tests run the composed terminal over socat ptys (skipped without socat).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSerialMsrReader, type SerialMsrReader } from '../../drivers/msr-serial/index.js';
import { createMemoryTransportPair, type MemoryTransport } from '../../drivers/transport/memory-transport.js';
import { isPortBusy } from '../../drivers/reconnect/reconnector.js';
import { openSerialTransport } from '../../drivers/transport/serial-transport.js';
import { VirtualSerialMsr } from '../../hw-mocks/msr/virtual-serial-msr.js';
import { createPtyPair } from '../../hw-mocks/pty.js';
import { EcrClient } from '../../src/app/ecr-client.js';
import { Resilient, ResilientCardReader, ResilientDisplay, ResilientPinPad, type Attached } from '../../drivers/reconnect/resilient-devices.js';
import { VirtualCable } from '../../drivers/reconnect/virtual-cable.js';
import { startTerminal } from '../../src/app/terminal.js';
import type { VirtualWire } from '../../src/app/simulation/virtual-wire.js';
import { parseConfig } from '../../src/config/load.js';
import type { CardReader } from '../../src/devices/card-reader.js';
import type { Display, Screen } from '../../src/devices/display.js';
import type { PinPad } from '../../src/devices/pin-pad.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { TransactionEngine } from '../../src/txn/engine.js';
import type { TransactionResult } from '../../src/txn/result.js';
import { PosError } from '../../src/util/errors.js';
import { hasSocat, ptysOpenedSince, ptysOpenIn } from '../drivers/pty-harness.js';
import { captureLog, deckCard } from '../drivers/reader-harness.js';
import { approveAll, FakeHost, FakePinPad, memoryLedger } from '../txn/fakes.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const TERMINAL = { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' };
const PURCHASE = { type: 'purchase', amount: 1234, currency: '978' } as const;
/** Deterministic backoff: 250, 500, 1000 ms … */
const BACKOFF = { initialDelayMs: 250, factor: 2, jitter: 0, busyDelayMs: 100 } as const;

function memoryWire(): VirtualWire & { host: MemoryTransport } {
  const [host, device] = createMemoryTransportPair({ host: 'memory:reader', device: 'memory:reader-device' });
  return { host, device, kind: 'memory', close: () => Promise.resolve(), unplug: () => Promise.resolve(host.unplug()) };
}

/** A virtual serial MSR on an in-memory cable, as `devices.ts` composes it, with the attaches counted. */
async function memoryReader(logger: ReturnType<typeof captureLog>['logger'], openFault?: (attempt: number) => Error | undefined) {
  const cable = new VirtualCable('reader', () => Promise.resolve(memoryWire()), () => Date.now());
  let twin: VirtualSerialMsr | undefined;
  let wire: (VirtualWire & { host: MemoryTransport }) | undefined;
  let attaches = 0;
  const attach = async (): Promise<Attached<CardReader>> => {
    attaches++;
    const fault = openFault?.(attaches);
    if (fault) throw fault;
    const w = await cable.plugIn();
    wire = w;
    twin = new VirtualSerialMsr(w.device);
    return { device: createSerialMsrReader(w.host, { name: 'virtual-msr', logger }), transport: w.host };
  };
  const core = await Resilient.open<CardReader>({ ...BACKOFF, role: 'reader', target: 'virtual:reader', attach, logger });
  return {
    reader: new ResilientCardReader(core),
    cable,
    twin: () => twin ?? expect.fail('no twin'),
    wire: () => wire ?? expect.fail('no wire'),
    attaches: () => attaches,
  };
}

function engineFor(reader: CardReader, logger: ReturnType<typeof captureLog>['logger'], pinpad?: PinPad) {
  const display = new RecordingDisplay();
  const engine = new TransactionEngine({
    reader,
    ...(pinpad ? { pinpad } : {}),
    display,
    host: new FakeHost(approveAll),
    ledger: memoryLedger({ lastStan: 1 }),
    clock: () => NOW,
    logger,
    terminal: TERMINAL,
  });
  return { engine, display };
}


/** `ms` more on the fake clock reopens the device once, not a millisecond earlier: `from` attaches before, `from + 1` at `ms`. */
async function expectReopenAt(ms: number, attaches: () => number, from: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(attaches()).toBe(from);
  await vi.advanceTimersByTimeAsync(1);
  expect(attaches()).toBe(from + 1);
}
describe('resilient devices over the in-memory pair (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('unplugged mid-read: cancelled with READER DISCONNECTED on the display, reopened with backoff, the next purchase approves', async () => {
    const log = captureLog();
    const { reader, cable, twin, attaches } = await memoryReader(log.logger);
    const { engine, display } = engineFor(reader, log.logger);
    expect(reader.name).toBe('virtual-msr');
    expect(reader.state()).toBe('connected');

    const first = engine.start(PURCHASE);
    await vi.advanceTimersByTimeAsync(0);
    expect(display.shown.at(-1)?.kind).toBe('present-card');
    await cable.unplug(600);
    expect(await engine.wait(first.id)).toMatchObject({ status: 'cancelled', errorCode: 'DEVICE_DISCONNECTED', reason: 'READER DISCONNECTED' });
    expect(display.shown.at(-1)).toMatchObject({ kind: 'cancelled', reason: 'READER DISCONNECTED' });
    expect(reader.state()).toBe('disconnected');

    // While gone, a purchase ends at once with the same reason rather than waiting for a card that cannot come.
    const whileGone = engine.start(PURCHASE);
    expect(await engine.wait(whileGone.id)).toMatchObject({ status: 'cancelled', reason: 'READER DISCONNECTED' });

    // Backoff: 250 ms (still unplugged: fails), then 500 ms more → back at 750 ms.
    await expectReopenAt(250, attaches, 1);
    expect(reader.state()).toBe('disconnected');
    await expectReopenAt(500, attaches, 2);
    expect(reader.state()).toBe('connected');

    const next = engine.start(PURCHASE);
    await vi.advanceTimersByTimeAsync(0);
    await twin().swipe(deckCard('visa-ok'));
    await vi.advanceTimersByTimeAsync(0);
    expect(await engine.wait(next.id)).toMatchObject({ status: 'approved', responseCode: '00', maskedPan: '411111******1111' });

    const text = log.text();
    expect(text).toMatch(/"device":"reader".*"state":"disconnected".*"code":"DEVICE_DISCONNECTED".*device disconnected/);
    // The loss itself is attempt 1 (250 ms); the reopen that found the cable still out is attempt 2 (500 ms).
    expect(text).toMatch(/"attempt":1,"delayMs":250,"busy":false,"code":"DEVICE_DISCONNECTED".*not back yet/);
    expect(text).toMatch(/"attempt":2,"delayMs":500,"busy":false,"code":"DEVICE_OPEN_FAILED".*not back yet/);
    expect(text).toMatch(/"state":"connected","attempt":2.*device reconnected/);
    expect(text).not.toContain(deckCard('visa-ok').pan);
    await reader.close();
    expect(reader.state()).toBe('closed');
  });

  it('a port still locked by the dying handle on the first reopen is retried after busyDelayMs, not counted as an attempt', async () => {
    const log = captureLog();
    const locked = Object.assign(new Error('Error Resource temporarily unavailable Cannot lock port'), { code: 'EBUSY' });
    const busyOnce = (attempt: number) => (attempt === 2 ? new PosError('DEVICE_OPEN_FAILED', 'Cannot open virtual:reader', { path: 'virtual:reader', reason: 'open' }, { cause: locked }) : undefined);
    const { reader, wire, attaches } = await memoryReader(log.logger, busyOnce);

    wire().host.unplug();
    expect(reader.state()).toBe('disconnected');
    await vi.advanceTimersByTimeAsync(250);
    expect(attaches()).toBe(2);
    expect(reader.state()).toBe('disconnected');
    // The busy retry comes after busyDelayMs (100), not the next backoff step (500).
    await expectReopenAt(100, attaches, 2);
    expect(reader.state()).toBe('connected');
    expect(log.text()).toMatch(/"attempt":1,"delayMs":100,"busy":true/);
    // Attempt 1 was the ordinary one; the busy retry did not count: the reconnection is attempt 1.
    expect(log.text()).toMatch(/"state":"connected","attempt":1.*device reconnected/);
    await reader.close();
  });

  it('a device that cannot be opened at start fails start-up with its own error, and nothing keeps retrying', async () => {
    const log = captureLog();
    const absent = new PosError('DEVICE_OPEN_FAILED', 'Cannot open /dev/pos-none', { path: '/dev/pos-none', reason: 'open' }, { cause: Object.assign(new Error('No such file or directory'), { code: 'ENOENT' }) });
    let attaches = 0;
    const attach = (): Promise<Attached<CardReader>> => {
      attaches++;
      return Promise.reject(absent);
    };
    await expect(Resilient.open<CardReader>({ ...BACKOFF, role: 'reader', target: '/dev/pos-none', attach, logger: log.logger })).rejects.toBe(absent);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attaches).toBe(1);
  });

  it('PIN pad gone: its calls reject with kind disconnected, and it comes back', async () => {
    const log = captureLog();
    let pair: MemoryTransport | undefined;
    const attach = (): Promise<Attached<PinPad>> => {
      const [host] = createMemoryTransportPair();
      pair = host;
      return Promise.resolve({ device: new FakePinPad(), transport: host });
    };
    const pinpad = new ResilientPinPad(await Resilient.open<PinPad>({ ...BACKOFF, role: 'pinpad', target: 'virtual:pinpad', attach, logger: log.logger }));
    expect(pinpad.state()).toBe('connected');
    pair?.unplug();
    expect(pinpad.state()).toBe('disconnected');
    const gone = await pinpad.showMessage(['HELLO']).then(
      () => expect.fail('resolved while gone'),
      (err: unknown) => err,
    );
    expect(gone).toMatchObject({ code: 'DEVICE_DISCONNECTED', kind: 'disconnected', details: { device: 'pinpad', path: 'virtual:pinpad' } });
    await vi.advanceTimersByTimeAsync(250);
    expect(pinpad.state()).toBe('connected');
    await expect(pinpad.showMessage(['HELLO'])).resolves.toBeUndefined();
    await pinpad.close();
  });

  it('PIN pad amounts: takesAmounts comes from the configuration and holds while the pad is gone; enterAmount goes to the driver', async () => {
    const log = captureLog();
    let pair: MemoryTransport | undefined;
    const fake = new FakePinPad();
    fake.takesAmounts = true;
    fake.amounts = [250];
    const attach = (): Promise<Attached<PinPad>> => {
      const [host] = createMemoryTransportPair();
      pair = host;
      return Promise.resolve({ device: fake, transport: host });
    };
    const core = await Resilient.open<PinPad>({ ...BACKOFF, role: 'pinpad', target: 'virtual:pinpad', attach, logger: log.logger });
    const pinpad = new ResilientPinPad(core, { takesAmounts: true });
    const request = { purpose: 'tip', maxMinor: 1000, keyTimeoutMs: 30_000 } as const;
    await expect(pinpad.enterAmount(request, new AbortController().signal)).resolves.toBe(250);
    expect(fake.amountRequests).toEqual([request]);
    // Without the configuration's word, the driver's at construction.
    expect(new ResilientPinPad(core).takesAmounts).toBe(true);
    expect(new ResilientPinPad(core, { takesAmounts: false }).takesAmounts).toBe(false);
    pair?.unplug();
    expect(pinpad.takesAmounts).toBe(true);
    expect(await pinpad.enterAmount(request, new AbortController().signal).catch((err: unknown) => err)).toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await pinpad.close();
  });

  it('display gone: show rejects with kind disconnected; the reconnected display shows the current screen again', async () => {
    const log = captureLog();
    const displays: RecordingDisplay[] = [];
    let host: MemoryTransport | undefined;
    const attach = (): Promise<Attached<Display>> => {
      [host] = createMemoryTransportPair();
      const d = new RecordingDisplay();
      displays.push(d);
      return Promise.resolve({ device: d, transport: host });
    };
    const display = new ResilientDisplay(await Resilient.open<Display>({ ...BACKOFF, role: 'display', target: 'virtual:display', attach, logger: log.logger }));
    const idle: Screen = { kind: 'idle', prompt: 'WELCOME' };
    const cancelled: Screen = { kind: 'cancelled', prompt: 'CANCELLED', reason: 'READER DISCONNECTED' };
    await display.show(idle);
    host?.unplug();
    expect(display.state()).toBe('disconnected');
    await expect(display.show(cancelled)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED', kind: 'disconnected' });
    await vi.advanceTimersByTimeAsync(250);
    expect(display.state()).toBe('connected');
    expect(displays).toHaveLength(2);
    expect(displays[1]?.shown).toEqual([cancelled]);
    await display.close();
    expect(display.state()).toBe('closed');
    // A display with no device to lose is connected until closed.
    const console = new RecordingDisplay();
    expect(console.state()).toBe('connected');
    await console.close();
    expect(console.state()).toBe('closed');
  });
});

interface Health {
  status: string;
  devices: { reader: { state: string }; pinpad: { state: string } | null; display: { state: string } };
}

describe.skipIf(!hasSocat)('resilient devices in the composed terminal over socat ptys', () => {
  async function terminalWith(devices: Record<string, unknown>) {
    const log = captureLog();
    const display = new RecordingDisplay();
    const stateDir = mkdtempSync(join(tmpdir(), 'pos-hotplug-'));
    const before = ptysOpenIn();
    const terminal = await startTerminal(parseConfig({ ecr: { port: 0 }, devices, host: { type: 'simulator', timeoutMs: 2000 } }), {
      logger: log.logger,
      displayOut: process.stderr,
      display,
      stateDir,
      clock: () => NOW,
    });
    const ecr = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
    const health = async () => (await ecr.health()) as unknown as Health;
    const close = async () => {
      await terminal.close();
      rmSync(stateDir, { recursive: true, force: true });
    };
    // The wires the virtual devices got: ptys, not the in-memory line the terminal falls back to without socat.
    const ptys = ptysOpenedSince(before);
    return { ecr, display, health, log, close, ptys };
  }

  it('reader unplugged mid-transaction: cancelled with READER DISCONNECTED, health disconnected then connected, next purchase approved', async () => {
    const t = await terminalWith({ reader: { type: 'virtual', model: 'msr' } });
    try {
      expect((await t.health()).devices.reader.state).toBe('connected');
      expect(t.ptys.length).toBeGreaterThanOrEqual(2);
      const started = await t.ecr.purchase(700, '978');
      await t.ecr.unplug({ device: 'reader', forMs: 300 });
      const ended: TransactionResult = await t.ecr.get(started.id, true);
      expect(ended).toMatchObject({ status: 'cancelled', errorCode: 'DEVICE_DISCONNECTED', reason: 'READER DISCONNECTED' });
      expect(t.display.shown.at(-1)).toMatchObject({ kind: 'cancelled', reason: 'READER DISCONNECTED' });
      expect(await t.health()).toMatchObject({ status: 'degraded', devices: { reader: { state: 'disconnected' } } });

      await expect.poll(async () => (await t.health()).devices.reader.state, { timeout: 10_000 }).toBe('connected');
      expect((await t.health()).status).toBe('ok');

      const next = await t.ecr.purchase(650, '978');
      await t.ecr.present('visa-ok');
      expect(await t.ecr.get(next.id, true)).toMatchObject({ status: 'approved', responseCode: '00' });
      const text = t.log.text();
      expect(text).toContain('device disconnected: reopening with backoff');
      expect(text).toContain('device reconnected');
      expect(text).not.toContain(deckCard('visa-ok').pan);
    } finally {
      await t.close();
    }
  });

  it('PIN pad unplugged while it waits for the PIN: cancelled with PIN PAD DISCONNECTED; the pad comes back', async () => {
    const t = await terminalWith({ reader: { type: 'virtual', model: 'chip' }, pinpad: { type: 'virtual' } });
    try {
      const started = await t.ecr.purchase(2000, '978');
      // The cardholder inserts the card and walks away from the pad.
      await t.ecr.present('visa-ok', { entry: 'chip', pin: 'none' });
      await expect.poll(async () => (await t.ecr.get(started.id)).state, { timeout: 10_000 }).toBe('waiting-for-pin');
      await t.ecr.unplug({ device: 'pinpad' });
      expect(await t.ecr.get(started.id, true)).toMatchObject({ status: 'cancelled', errorCode: 'DEVICE_DISCONNECTED', reason: 'PIN PAD DISCONNECTED' });
      await expect.poll(async () => (await t.health()).devices.pinpad?.state, { timeout: 10_000 }).toBe('connected');

      const next = await t.ecr.purchase(2000, '978');
      await t.ecr.present('visa-ok', { entry: 'chip' });
      expect(await t.ecr.get(next.id, true)).toMatchObject({ status: 'approved', entryMode: 'chip' });
    } finally {
      await t.close();
    }
  });

  it('unplug is refused for a device that is not virtual, and validated', async () => {
    const t = await terminalWith({ reader: { type: 'virtual', model: 'msr' } });
    try {
      await expect(t.ecr.unplug({ device: 'pinpad' })).rejects.toThrow(/400 ECR_BAD_REQUEST: device: the pinpad is not virtual/);
      await expect(t.ecr.unplug({ device: 'reader', forMs: -1 })).rejects.toThrow(/400 ECR_BAD_REQUEST/);
    } finally {
      await t.close();
    }
  });

  it('a real serial port still locked by another handle is waited for, then opened (serialport "Cannot lock port")', async () => {
    const log = captureLog();
    const pty = await createPtyPair();
    const blocker = await openSerialTransport({ path: pty.hostPath, baudRate: 9600 });
    const errors: unknown[] = [];
    const attach = async (): Promise<Attached<CardReader>> => {
      try {
        const transport = await openSerialTransport({ path: pty.hostPath, baudRate: 9600 });
        return { device: createSerialMsrReader(transport, { logger: log.logger }) satisfies SerialMsrReader, transport };
      } catch (err) {
        errors.push(err);
        // The other handle lets go once the reader has found the port locked.
        if (errors.length === 1) void blocker.close();
        throw err;
      }
    };
    try {
      const reader = new ResilientCardReader(await Resilient.open<CardReader>({ role: 'reader', target: pty.hostPath, attach, logger: log.logger, busyDelayMs: 50 }));
      expect(reader.state()).toBe('connected');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => isPortBusy(e))).toBe(true);
      await reader.close();
    } finally {
      await blocker.close();
      await pty.close();
    }
  });
});
