/**
 * Every example frame ID TECH prints, held next to both sides: the driver's
 * framer and encoder (`drivers/vivopay/`) and the virtual NEO 2's
 * (`hw-mocks/vivopay/command-framer.ts`). Each row names the section and
 * page it comes from, so a reader can check it against the document:
 * the CRC, where each field lies, the status byte.
 *
 * Sources: ID TECH *NEO 2 Interface Developer's Guide* 80139403-002 ("guide"),
 * and the *ViVOpay VP3350 Integration Manual* 80178501-001 ("VP3350").
 */
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from '../../../drivers/vivopay/crc16.js';
import { VivopayFramer, type VivopayFrame } from '../../../drivers/vivopay/framer.js';
import { encodeFrame, HEADER_BYTES, PREAMBLE_BYTES, VIVOPAY_HEADER, VIVOPAY_STATUS, type FrameRole } from '../../../drivers/vivopay/protocol.js';
import { CommandFramer, encodeReaderCommand, encodeResponse } from '../../../hw-mocks/vivopay/command-framer.js';

interface GuideFrame {
  readonly name: string;
  readonly source: string;
  /** As printed, spaces as the document sets them. */
  readonly hex: string;
  readonly role: FrameRole;
  readonly command: number;
  /** Sub-command of a command, status of a response. */
  readonly second: number;
  readonly data: string;
}

const HEADER = '56 69 56 4F 74 65 63 68 32 00'; // "ViVOtech2" NUL

const FRAMES: readonly GuideFrame[] = [
  { name: 'Ping command', source: 'guide 2.8.2 p42', hex: `${HEADER} 18 01 00 00 B3 CD`, role: 'command', command: 0x18, second: 0x01, data: '' },
  { name: 'Ping response', source: 'guide 2.8.2 p42', hex: `${HEADER} 18 00 00 00 FA 83`, role: 'response', command: 0x18, second: VIVOPAY_STATUS.OK, data: '' },
  { name: 'Get Configuration command', source: 'guide 2.8.4 p42', hex: `${HEADER} 03 02 00 00 5B 91`, role: 'command', command: 0x03, second: 0x02, data: '' },
  { name: 'Set Poll Mode (Poll on Demand) command', source: 'guide 12.2 p409', hex: `${HEADER} 01 01 00 01 01 D7 34`, role: 'command', command: 0x01, second: 0x01, data: '01' },
  { name: 'Set Poll Mode response: OK', source: 'guide 12.2 p409', hex: `${HEADER} 01 00 00 00 12 53`, role: 'response', command: 0x01, second: VIVOPAY_STATUS.OK, data: '' },
  { name: 'Activate Transaction 02-01, timeout 10 s', source: 'guide 12.2 p409', hex: `${HEADER} 02 01 00 01 0A 6E 6B`, role: 'command', command: 0x02, second: 0x01, data: '0A' },
  {
    name: 'Query Screen "Screen1"',
    source: 'guide 19.3.16 p462',
    hex: `${HEADER} 61 13 00 08 53 63 72 65 65 6E 31 00 58 F8`,
    role: 'command',
    command: 0x61,
    second: 0x13,
    data: '53637265656E3100',
  },
  { name: 'Query Screen answer: exists', source: 'guide 19.3.16 p462', hex: `${HEADER} 61 00 00 01 01 5B BF`, role: 'response', command: 0x61, second: VIVOPAY_STATUS.OK, data: '01' },
  {
    name: 'Query Screen "Screen4"',
    source: 'guide 19.3.16 p462',
    hex: `${HEADER} 61 13 00 08 53 63 72 65 65 6E 34 00 AD 07`,
    role: 'command',
    command: 0x61,
    second: 0x13,
    data: '53637265656E3400',
  },
  { name: 'Query Screen answer: does not exist', source: 'guide 19.3.16 p462', hex: `${HEADER} 61 00 00 01 00 4B 9E`, role: 'response', command: 0x61, second: VIVOPAY_STATUS.OK, data: '00' },
  { name: 'Contact Set ICS Identification 3C (60-16)', source: 'VP3350 7.8 p20', hex: '5669564f746563683200601600010392ed', role: 'command', command: 0x60, second: 0x16, data: '03' },
  { name: 'Contact command answered OK (60 00)', source: 'VP3350 7.8 p20', hex: '5669564f746563683200600000003d35', role: 'response', command: 0x60, second: VIVOPAY_STATUS.OK, data: '' },
  {
    name: 'Activate Transaction 02-40, all interfaces, fallback, 96 s',
    source: 'VP3350 7.1 p13',
    hex: '5669564f746563683200024000221e9c01009f02060000000001009f0306000000000000dfef370107dfef3c0301006018d1',
    role: 'command',
    command: 0x02,
    second: 0x40,
    data: '1e9c01009f02060000000001009f0306000000000000dfef370107dfef3c03010060',
  },
];

const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

function driverFrames(wire: Buffer): VivopayFrame[] {
  const framer = new VivopayFramer({ maxFrameBytes: 256, interByteTimeoutMs: 100, onTimeout: () => undefined, crcOrder: 'either' });
  const frames = framer.push(wire).flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
  framer.dispose();
  return frames;
}

describe.each(FRAMES)('$name ($source)', (g) => {
  const wire = bytes(g.hex);
  const dataBytes = bytes(g.data);

  it('layout: header, command, sub-command or status, length MSB first, data', () => {
    expect(wire.subarray(0, HEADER_BYTES)).toEqual(VIVOPAY_HEADER);
    expect(wire[HEADER_BYTES]).toBe(g.command);
    expect(wire[HEADER_BYTES + 1]).toBe(g.second);
    expect(wire.readUInt16BE(HEADER_BYTES + 2)).toBe(dataBytes.length);
    expect(wire.subarray(PREAMBLE_BYTES, wire.length - 2)).toEqual(dataBytes);
  });

  it(`CRC-16/CCITT-FALSE over header to data, ${g.role === 'command' ? 'low' : 'high'} byte first`, () => {
    const crc = crc16CcittFalse(wire, 0, wire.length - 2);
    expect(g.role === 'command' ? wire.readUInt16LE(wire.length - 2) : wire.readUInt16BE(wire.length - 2)).toBe(crc);
  });

  it('the driver encodes it byte for byte and reads it with its role', () => {
    expect(encodeFrame(g.role, g.command, g.second, dataBytes)).toEqual(wire);
    const [frame] = driverFrames(wire);
    expect(frame).toMatchObject({ command: g.command, status: g.second, crcOrder: g.role === 'command' ? 'lsb-first' : 'msb-first' });
    expect(frame?.data).toEqual(dataBytes);
  });

  it('the virtual NEO 2 encodes it byte for byte and reads it with its role', () => {
    expect(g.role === 'command' ? encodeReaderCommand(g.command, g.second, dataBytes) : encodeResponse(g.command, g.second, dataBytes)).toEqual(wire);
    const [frame] = new CommandFramer().push(wire);
    expect(frame).toMatchObject({ ok: true, role: g.role, command: g.command, second: g.second });
  });

  it('one flipped CRC bit is refused by both sides', () => {
    const bad = Buffer.from(wire);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
    expect(driverFrames(bad)).toEqual([]);
    expect(new CommandFramer().push(bad)).toEqual([{ ok: false, command: g.command }]);
  });
});
