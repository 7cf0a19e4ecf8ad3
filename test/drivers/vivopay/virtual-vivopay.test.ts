/**
 * The virtual NEO 2 on its own, driven frame by frame as the guide's flow
 * diagram (8.4.2 p160) draws it — a terminal written here from the guide,
 * not the driver: the 63 first answers, each command's answer and result
 * code, the reader's 61-01 and 61-02, commands out of turn, cancel, 60-13,
 * and the commands it leaves to the configuration handler.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import type { VivopayFrame } from '../../../drivers/vivopay/framer.js';
import { encodeCommandFrame, encodeResponseFrame } from '../../../drivers/vivopay/protocol.js';
import { CommandFramer } from '../../../hw-mocks/vivopay/command-framer.js';
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

/** What the reader sent, as `cmd:status` (answers) or `cmd-sub` (its own commands). */
function seen(): string[] {
  return frames.map((f) => `${h(f.command)}${f.crcOrder === 'lsb-first' ? '-' : ':'}${h(f.status)}`);
}

const h = (n: number): string => n.toString(16).padStart(2, '0').toUpperCase();

async function command(cmd: number, sub: number, data?: Uint8Array): Promise<void> {
  await terminal.write(encodeCommandFrame(cmd, sub, data));
}

async function until(count: number): Promise<void> {
  await expect.poll(() => frames.length, { timeout: 3000 }).toBeGreaterThanOrEqual(count);
}

/** [FallBack][TimeOut1][TimeOut2][9F02 9C 5F2A …] */
function start(options: { fallback?: boolean; timeout1S?: number; extra?: Buffer } = {}): Buffer {
  const fixed = Buffer.from([options.fallback === false ? 0 : 1, 0, options.timeout1S ?? 30, 0, 30]);
  const tlv = encode([
    { tag: '9F02', value: Buffer.from('000000001234', 'hex') },
    { tag: '9C', value: Buffer.from([0]) },
    { tag: '5F2A', value: Buffer.from('0978', 'hex') },
  ]);
  return Buffer.concat([fixed, tlv, options.extra ?? Buffer.alloc(0)]);
}

function answer(frame: VivopayFrame | undefined): { result: number; tags: Map<string, Uint8Array> } {
  if (frame === undefined) throw new Error('no answer');
  return { result: frame.data.readUInt16BE(0), tags: flatten(decode(frame.data.subarray(2))) };
}

describe('the virtual NEO 2 answers as the guide documents', () => {
  it('18-01 Ping → 18 00', async () => {
    await command(0x18, 0x01);
    await until(1);
    expect(seen()).toEqual(['18:00']);
  });

  it('60-10 with a card seated: 63 first, then 00 with result 0010 and the default output TLVs (8.4.18 p185)', async () => {
    twin.insert('visa-ok');
    await command(0x60, 0x10, start());
    await until(2);
    expect(seen()).toEqual(['60:63', '60:00']);
    const { result, tags } = answer(frames[1]);
    expect(result).toBe(0x0010);
    expect([...tags.keys()]).toEqual(['57', '5A', '5F34', '5F20', '5F24', '5F25', '5F2D', '50', '84', '9F39']);
    expect(tags.get('9F39')).toEqual(Buffer.from([0x05]));
  });

  it('DFEE1A Output Tag List narrows every answer of the transaction to its tags (p179)', async () => {
    twin.insert('visa-ok');
    await command(0x60, 0x10, start({ extra: encode([{ tag: 'DFEE1A', value: Buffer.from('5A9F39', 'hex') }]) }));
    await until(2);
    expect([...answer(frames[1]).tags.keys()]).toEqual(['5A', '9F39']);
  });

  it('the whole contact flow: 60-11 asks the terminal for the PIN (61-02), goes online (0004); 60-12 with a decline ends AAC (0003); 60-13 repeats it', async () => {
    twin.insert('visa-ok');
    await command(0x60, 0x10, start());
    await until(2);
    await command(0x60, 0x11);
    await until(4);
    expect(seen().slice(2)).toEqual(['60:63', '61-02']);
    expect(frames[3]!.data[0]).toBe(0x01); // Mode: online PIN, DUKPT
    await terminal.write(encodeResponseFrame(0x61, 0x00, Buffer.from('0100000000', 'hex')));
    await until(5);
    const online = answer(frames[4]);
    expect(seen()[4]).toBe('60:00');
    expect(online.result).toBe(0x0004);
    expect(online.tags.get('9F27')?.[0]).toBe(0x80);
    expect(online.tags.get('9F34')).toEqual(Buffer.from('420300', 'hex'));
    for (const tag of ['57', '5A', '82', '95', '9A', '9C', '9F02', '9F10', '9F1A', '9F26', '9F33', '9F35', '9F36', '9F37', '5F2A', '9B']) expect(online.tags.has(tag), tag).toBe(true);

    await command(0x60, 0x12, encode([{ tag: '8A', value: Buffer.from('05', 'latin1') }]));
    await until(7);
    expect(seen().slice(5)).toEqual(['60:63', '60:00']);
    const final = answer(frames[6]);
    expect(final.result).toBe(0x0003);
    expect(final.tags.get('9F27')?.[0]).toBe(0x00);
    for (const tag of ['9F26', '9F36', '8A', '95', '9B']) expect(final.tags.has(tag), tag).toBe(true);

    await command(0x60, 0x13);
    await until(8);
    expect(frames[7]!.data).toEqual(frames[6]!.data);
  });

  it('60-12 carries the host’s issuer script (72) to the card: the final answer reports it in 9F5B', async () => {
    twin.insert('visa-ok');
    await command(0x60, 0x10, start());
    await until(2);
    await command(0x60, 0x11);
    await until(4);
    await terminal.write(encodeResponseFrame(0x61, 0x00, Buffer.from('0100000000', 'hex')));
    await until(5);
    // Script 11223344: one command (APPLICATION BLOCK with a MAC the card will not accept).
    const script = encode([{ tag: '72', children: [{ tag: '9F18', value: Buffer.from('11223344', 'hex') }, { tag: '86', value: Buffer.from('841E0000080102030405060708', 'hex') }] }]);
    await command(0x60, 0x12, Buffer.concat([encode([{ tag: '8A', value: Buffer.from('00', 'latin1') }]), script]));
    await until(7);
    const final = answer(frames[6]);
    expect(seen()[6]).toBe('60:00');
    expect(Buffer.from(final.tags.get('9F5B')!).subarray(1, 5).toString('hex')).toBe('11223344');
  });

  it('the terminal cancels PIN entry (61-02 Mode 00): 60-11 ends 0A with result 0012', async () => {
    twin.insert('visa-ok');
    await command(0x60, 0x10, start());
    await until(2);
    await command(0x60, 0x11);
    await until(4);
    await terminal.write(encodeResponseFrame(0x61, 0x00, Buffer.from([0x00])));
    await until(5);
    expect(seen()[4]).toBe('60:0A');
    expect(answer(frames[4]).result).toBe(0x0012);
  });

  it('no card within TimeOut1: 60 08', async () => {
    await command(0x60, 0x10, start({ timeout1S: 1 }));
    await until(2);
    expect(seen()).toEqual(['60:63', '60:08']);
  });

  it('a chip that cannot be read, fallback allowed: 61-01 USE MAGSTRIPE, then the swipe answers 0011 with 9F39 80', async () => {
    twin.failChip();
    await command(0x60, 0x10, start());
    await until(1);
    twin.insert('visa-ok');
    await until(2);
    expect(seen()).toEqual(['60:63', '61-01']);
    expect(frames[1]!.data.toString('latin1')).toContain('USE MAGSTRIPE');
    await terminal.write(encodeResponseFrame(0x61, 0x00));
    expect(twin.waitingForCard).toBe(true);
    twin.swipe('visa-ok');
    await until(3);
    const { result, tags } = answer(frames[2]);
    expect(result).toBe(0x0011);
    expect(tags.get('9F39')).toEqual(Buffer.from([0x80]));
    expect(tags.has('DFEE23')).toBe(true);
  });

  it('a chip that cannot be read, no fallback: 0A with result 3004', async () => {
    twin.failChip();
    twin.insert('visa-ok');
    await command(0x60, 0x10, start({ fallback: false }));
    await until(2);
    expect(seen()).toEqual(['60:63', '60:0A']);
    expect(answer(frames[1]).result).toBe(0x3004);
  });

  it('the card pulled while waiting for the host: 60-12 ends 0A with result 3005', async () => {
    twin.insert('visa-ok');
    await command(0x60, 0x10, start());
    await until(2);
    await command(0x60, 0x11);
    await until(4);
    await terminal.write(encodeResponseFrame(0x61, 0x0a));
    await until(5);
    twin.removeCard();
    await command(0x60, 0x12, encode([{ tag: '8A', value: Buffer.from('00', 'latin1') }]));
    await until(7);
    expect(seen().slice(5)).toEqual(['60:63', '60:0A']);
    expect(answer(frames[6]).result).toBe(0x3005);
  });

  it('05-01 while 60-10 waits: the 60-10 is answered cancelled (0012) before 05 00', async () => {
    await command(0x60, 0x10, start());
    await until(1);
    await command(0x05, 0x01);
    await until(3);
    expect(seen()).toEqual(['60:63', '60:0A', '05:00']);
    expect(answer(frames[1]).result).toBe(0x0012);
    expect(twin.waitingForCard).toBe(false);
  });

  it('another command while 60-10 runs cancels the transaction and is refused 0B; the same 60-10 again is only re-acknowledged', async () => {
    const data = start();
    await command(0x60, 0x10, data);
    await until(1);
    await command(0x60, 0x10, data);
    await until(2);
    expect(seen()).toEqual(['60:63', '60:63']);
    await command(0x18, 0x01);
    await until(4);
    expect(seen().slice(2)).toEqual(['60:0A', '18:0B']);
    expect(twin.waitingForCard).toBe(false);
  });

  it('60-11 or 60-12 out of turn: 0B; 60-13 before any transaction: 60 (no data)', async () => {
    await command(0x60, 0x11);
    await command(0x60, 0x12, encode([{ tag: '8A', value: Buffer.from('00', 'latin1') }]));
    await command(0x60, 0x13);
    await until(3);
    expect(seen()).toEqual(['60:0B', '60:0B', '60:60']);
  });

  it('DFEF1F Auto Authenticate is an option this reader does not run: 06; bad data: 07', async () => {
    await command(0x60, 0x10, start({ extra: encode([{ tag: 'DFEF1F', value: Buffer.from('0100', 'hex') }]) }));
    await command(0x60, 0x10, Buffer.from('01003C', 'hex'));
    await until(2);
    expect(seen()).toEqual(['60:06', '60:07']);
  });

  it('commands it does not run: to the configuration store (or a handler given); nobody’s: 02 unknown command, 03 unknown sub-command (Table 6)', async () => {
    await command(0x7f, 0x01);
    await command(0x60, 0x7f);
    await command(0x60, 0x07); // Retrieve AID List of a reader never configured: 60, data does not exist (8.4.9 p172)
    await until(3);
    expect(seen()).toEqual(['7F:02', '60:03', '60:60']);
    await twin.close();
    open({ configuration: (frame) => (frame.subCommand === 0x07 ? { status: 0x60 } : undefined) });
    await command(0x60, 0x07);
    await command(0x60, 0x08);
    await until(2);
    expect(seen()).toEqual(['60:60', '60:03']);
  });

  it('a command with a bad CRC is answered 04', async () => {
    const bad = encodeCommandFrame(0x18, 0x01);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
    await terminal.write(bad);
    await until(1);
    expect(seen()).toEqual(['18:04']);
    expect(twin.received).toEqual([]);
  });

  it('property: its framer takes any bytes, cut anywhere: whole frames or CRC failures, never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 8 }), (chunks) => {
        const framer = new CommandFramer();
        for (const chunk of chunks) for (const frame of framer.push(chunk)) expect(typeof frame.ok).toBe('boolean');
      }),
    );
  });

  it('property: any command data, framed well, gets an answer with its command byte and the reader stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0x60, 0x05, 0x18, 0x61), fc.integer({ min: 0, max: 0x20 }), fc.uint8Array({ maxLength: 40 }), async (cmd, sub, data) => {
        // A frame tells command from response by its CRC's byte order; a CRC whose two bytes are equal reads both ways,
        // and a 61 frame read so is the terminal's answer to a reader callback, which gets none.
        const sent = encodeCommandFrame(cmd, sub, data);
        fc.pre(!(cmd === 0x61 && sent.at(-1) === sent.at(-2)));
        const before = frames.length;
        await command(cmd, sub, data);
        await expect.poll(() => frames.slice(before).some((f) => f.command === cmd), { timeout: 5000 }).toBe(true);
        await command(0x05, 0x01);
        await expect.poll(() => frames.some((f, i) => i >= before && f.command === 0x05), { timeout: 5000 }).toBe(true);
      }),
      { numRuns: 40 },
    );
    await command(0x18, 0x01);
    await expect.poll(() => frames.at(-1)?.command).toBe(0x18);
    // Forty round trips through the twin's kernel: a loaded 2-core machine needs more than the default 20 s.
  }, 60_000);
});
