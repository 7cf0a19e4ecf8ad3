/**
 * The virtual NEO 2's contactless Activate Transaction (02-40, guide 8.5.2
 * p209–233) driven frame by frame from the guide's tables — not through the
 * driver: the answer's status for each outcome (23 online request, 00 an
 * offline result, 0A with the FFEE1F error table, 08 no tap), the
 * Attribution byte, 9F39, a command sent mid-Activate taken as a Cancel, and
 * 03-40 Get Transaction Result (8.5.4 p233–236) giving the last answer again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import type { VivopayFrame } from '../../../drivers/vivopay/framer.js';
import { encodeCommandFrame } from '../../../drivers/vivopay/protocol.js';
import type { VirtualVivopay, VirtualVivopayOptions } from '../../../hw-mocks/vivopay/virtual-vivopay.js';
import { decode, encode, flatten } from '../../../src/emv/index.js';
import { openTwinWire } from './twin-wire.js';

let terminal: MemoryTransport;
let twin: VirtualVivopay;
let frames: VivopayFrame[];

function open(options: VirtualVivopayOptions = {}): void {
  ({ terminal, twin, frames } = openTwinWire(options));
}

beforeEach(() => open());
afterEach(async () => {
  await twin.close();
  await terminal.close();
});

const h = (n: number): string => n.toString(16).padStart(2, '0').toUpperCase();
const seen = (): string[] => frames.map((f) => `${h(f.command)}:${h(f.status)}`);

async function until(count: number): Promise<void> {
  await expect.poll(() => frames.length, { timeout: 3000 }).toBeGreaterThanOrEqual(count);
}

/** [Timeout 1][9F02 9F03 9C 5F2A] (p210) */
function activate(amountMinor: number, timeoutS = 30): Buffer {
  return Buffer.concat([
    Buffer.from([timeoutS]),
    encode([
      { tag: '9F02', value: Buffer.from(String(amountMinor).padStart(12, '0'), 'hex') },
      { tag: '9F03', value: Buffer.alloc(6) },
      { tag: '9C', value: Buffer.from([0x00]) },
      { tag: '5F2A', value: Buffer.from('0978', 'hex') },
    ]),
  ]);
}

async function activateAndTap(amountMinor: number, profile: string): Promise<VivopayFrame> {
  await terminal.write(encodeCommandFrame(0x02, 0x40, activate(amountMinor)));
  await expect.poll(() => twin.waitingForTap).toBe(true);
  twin.tap(profile);
  await until(1);
  return frames[0] as VivopayFrame;
}

/** [Attribution][TLV…] */
function body(frame: VivopayFrame): { attribution: number; tags: Map<string, Uint8Array> } {
  return { attribution: frame.data[0] as number, tags: flatten(decode(frame.data.subarray(1))) };
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex').toUpperCase();

describe('02-40 Activate Transaction on the virtual NEO 2', () => {
  it('a qVSDC card asking for an ARQC: 23 Request Online Authorization, Attribution contactless EMV, 9F39 07, its ARQC', async () => {
    const frame = await activateAndTap(1234, 'visa-contactless');
    expect(seen()).toEqual(['02:23']);
    const { attribution, tags } = body(frame);
    expect(attribution).toBe(0x01);
    expect(hex(tags.get('9F39'))).toBe('07');
    expect((tags.get('9F27')?.[0] ?? 0) & 0xc0).toBe(0x80);
    expect(tags.get('9F26')).toHaveLength(8);
  });

  it('a card tapped before the Activate is taken by it', async () => {
    twin.tap('visa-contactless');
    await terminal.write(encodeCommandFrame(0x02, 0x40, activate(1234)));
    await until(1);
    expect(seen()).toEqual(['02:23']);
  });

  it('a Kernel 2 card in mag-stripe mode: Attribution contactless MSD (1 0 1), 9F39 91 and its track 2 in 57', async () => {
    const frame = await activateAndTap(1234, 'mastercard-magstripe');
    expect(seen()).toEqual(['02:23']);
    const { attribution, tags } = body(frame);
    expect(attribution & 0x19).toBe(0x11);
    expect(hex(tags.get('9F39'))).toBe('91');
    expect(hex(tags.get('57'))).toMatch(/^\d{12,19}D\d{4}/);
  });

  it('over the transaction limit: 0A with FFEE1F 02 "go to contact interface" (Table 8)', async () => {
    await twin.close();
    open({ contactless: { limits: { transaction: 10000, cvm: 5000, floor: 0 } } });
    const frame = await activateAndTap(20000, 'visa-contactless');
    expect(seen()).toEqual(['02:0A']);
    expect(hex(frame.data)).toBe(['01', 'FFEE1F04', '02', '00', '00', '00'].join(''));
  });

  it('a phone over the CVM limit: see phone (FFEE1F E1, SW 69 86), then after verifying on the device an online request', async () => {
    const first = await activateAndTap(8000, 'visa-phone');
    expect(seen()).toEqual(['02:0A']);
    expect(hex(first.data)).toBe(['01', 'FFEE1F04', 'E1', '69', '86', '00'].join(''));
    expect(twin.verifyOnDevice('visa-phone')).toBe(true);
    frames.length = 0;
    await activateAndTap(8000, 'visa-phone');
    expect(seen()).toEqual(['02:23']);
  });

  it('a swipe during the Activate: 00 with Attribution "MSR card" (0 1 x), DFEE23 and 9F39 90 (p232–233, p238)', async () => {
    await terminal.write(encodeCommandFrame(0x02, 0x40, activate(1234)));
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.swipe('visa-ok', { chip: false });
    await until(1);
    expect(seen()).toEqual(['02:00']);
    const { attribution, tags } = body(frames[0] as VivopayFrame);
    expect(attribution & 0x18).toBe(0x08);
    expect(hex(tags.get('9F39'))).toBe('90');
    expect(tags.get('DFEE23')?.length).toBeGreaterThan(10);
  });

  it('no tap within Timeout: 08', async () => {
    await terminal.write(encodeCommandFrame(0x02, 0x40, activate(1234, 1)));
    await expect.poll(() => seen(), { timeout: 3000 }).toEqual(['02:08']);
  });

  it('mid-Activate, a command other than Cancel or Stop cancels it (p209): the Activate fails, the command is refused', async () => {
    await terminal.write(encodeCommandFrame(0x02, 0x40, activate(1234)));
    await expect.poll(() => twin.waitingForTap).toBe(true);
    await terminal.write(encodeCommandFrame(0x18, 0x01));
    await until(2);
    expect(seen()).toEqual(['02:0A', '18:0B']);
    expect(twin.waitingForTap).toBe(false);
  });

  it('05-01 Cancel ends an Activate: it fails, then 05 00', async () => {
    await terminal.write(encodeCommandFrame(0x02, 0x40, activate(1234)));
    await expect.poll(() => twin.waitingForTap).toBe(true);
    await terminal.write(encodeCommandFrame(0x05, 0x01));
    await until(2);
    expect(seen()).toEqual(['02:0A', '05:00']);
  });

  it('03-40 Get Transaction Result (8.5.4): none yet is Failed with no data; after a tap, the Activate’s answer again, byte for byte', async () => {
    await terminal.write(encodeCommandFrame(0x03, 0x40));
    await until(1);
    expect(seen()).toEqual(['03:0A']);
    expect(frames[0]?.data).toHaveLength(0);
    frames.length = 0;
    const online = await activateAndTap(1234, 'visa-contactless');
    await terminal.write(encodeCommandFrame(0x03, 0x40));
    await until(2);
    expect(seen()).toEqual(['02:23', '03:23']);
    expect(hex(frames[1]?.data)).toBe(hex(online.data));
  });

  it('03-40 after a new Activate started has nothing of the old tap: the Activate is cancelled (p209), 03-40 refused', async () => {
    await activateAndTap(1234, 'visa-contactless');
    frames.length = 0;
    await terminal.write(encodeCommandFrame(0x02, 0x40, activate(555)));
    await expect.poll(() => twin.waitingForTap).toBe(true);
    await terminal.write(encodeCommandFrame(0x03, 0x40));
    await until(2);
    expect(seen()).toEqual(['02:0A', '03:0B']);
    frames.length = 0;
    await terminal.write(encodeCommandFrame(0x03, 0x40));
    await until(1);
    expect(seen()).toEqual(['03:0A']); // the cancelled Activate's own answer, Failed with no data
    expect(frames[0]?.data).toHaveLength(0);
  });

  it('02-40 without its Timeout is malformatted data (07)', async () => {
    await terminal.write(encodeCommandFrame(0x02, 0x40));
    await until(1);
    expect(seen()).toEqual(['02:07']);
  });
});
