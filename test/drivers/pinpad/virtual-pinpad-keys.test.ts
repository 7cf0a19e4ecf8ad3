/**
 * The virtual pad's key entry against the PIN Pad 791 Programmer's Manual
 * (UDN PM0103-U Rev. 06), one test per rule, named after its page: the
 * terminal side is played here by hand, frame by frame.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair, type MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import { x924PinpadKeys } from '../../../hw-mocks/pinpad/pinpad-keys.js';
import { createVirtualPinPad, VIRTUAL_PINPAD_PROMPTS, type VirtualPinPad } from '../../../hw-mocks/pinpad/virtual-pinpad.js';

const STX = 0x02;
const ETX = 0x03;
const EOT = 0x04;
const ACK = 0x06;
const NAK = 0x15;
const SO = 0x0e;
const SI = 0x0f;
const GS = '\x1d';
const FS = '\x1c';
const SUB = '\x1a';

function frame(start: number, end: number, message: string): Buffer {
  const bytes = [start, ...Buffer.from(message, 'latin1'), end];
  let lrc = 0;
  for (const b of bytes.slice(1)) lrc ^= b;
  return Buffer.from([...bytes, lrc]);
}

const KEYS = x924PinpadKeys();

describe('virtual PIN pad key entry (PP791 manual p. 210–223)', () => {
  let terminal: MemoryTransport;
  let twin: VirtualPinPad;
  /** What the pad sent: link bytes by name, packets by their message; every packet is ACKed as a terminal does. */
  let heard: string[];
  let raw: Buffer[];

  beforeEach(() => {
    const [host, device] = createMemoryTransportPair({ host: 'mem:terminal', device: 'mem:pinpad' });
    terminal = host;
    twin = createVirtualPinPad(device, { initialKeyBlock: KEYS.initialKeyBlock, kbpk: KEYS.kbpk });
    heard = [];
    raw = [];
    let rx = Buffer.alloc(0);
    terminal.onData((chunk) => {
      raw.push(Buffer.from(chunk));
      rx = Buffer.concat([rx, chunk]);
      for (;;) {
        const first = rx[0];
        if (first === undefined) return;
        if (first !== STX) {
          heard.push(first === ACK ? 'ACK' : first === EOT ? 'EOT' : first === NAK ? 'NAK' : `0x${first.toString(16)}`);
          rx = rx.subarray(1);
          continue;
        }
        const end = rx.indexOf(ETX);
        if (end < 0 || end + 1 >= rx.length) return;
        heard.push(rx.subarray(1, end).toString('latin1'));
        rx = rx.subarray(end + 2);
        void terminal.write(Buffer.from([ACK]));
      }
    });
  });

  afterEach(async () => {
    await twin.close();
    vi.useRealTimers();
  });

  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  }

  async function send(message: string, kind: 'data' | 'control' = 'data'): Promise<void> {
    await terminal.write(kind === 'data' ? frame(STX, ETX, message) : frame(SI, SO, message));
    await settle();
  }

  it('p. 222: Z42 with no Z2 or Z3 shown first — the pad sends EOT and stops', async () => {
    await send('Z4210');
    expect(heard).toEqual(['ACK', 'EOT']);
    expect(twin.readingKeys).toBe(false);
    twin.pressKeys('5#');
    await settle();
    expect(heard).toEqual(['ACK', 'EOT']);
  });

  it('p. 210–212: Z2 <GS>[Prompt ID]<SUB> is answered Z2 0 and shows the fixed prompt; an ID not in the table, Z2 1', async () => {
    await send(`Z2${GS}004${SUB}`);
    expect(heard).toEqual(['ACK', 'Z20', 'EOT']);
    expect(twin.displayed[0]).toEqual([VIRTUAL_PINPAD_PROMPTS[4]]);
    expect(twin.authenticated).toBe(true);
    heard = [];
    await send(`Z2${GS}999${SUB}`);
    expect(heard).toEqual(['ACK', 'Z21', 'EOT']);
    // An unsuccessful Z2 ends the authenticated mode (p. 216).
    expect(twin.authenticated).toBe(false);
  });

  it('p. 216: the first authenticated Z2 must carry SUB; later ones may go without', async () => {
    await send(`Z2${GS}004`);
    expect(heard).toEqual(['ACK', 'Z21', 'EOT']);
    heard = [];
    await send(`Z2${GS}001${SUB}`);
    await send(`Z2${GS}004`);
    expect(heard).toEqual(['ACK', 'Z20', 'EOT', 'ACK', 'Z20', 'EOT']);
    expect(twin.displayed[0]).toEqual(['PLEASE WAIT', 'ENTER TIP']);
  });

  it('p. 222: after only a normal Z2, Z42 returns function keys and rejects digits', async () => {
    await send(`Z2${SUB}TOTAL`);
    await send('Z4210');
    twin.pressKeys('12#');
    await settle();
    expect(heard).toEqual(['ACK', 'ACK', 'Z43#', 'EOT']);
  });

  it('p. 222–223: after an authenticated Z2, Z42 returns any key as Z43 [keycode] — a 7-byte frame', async () => {
    await send(`Z2${GS}004${SUB}`);
    await send('Z4210');
    twin.pressKeys('5');
    await settle();
    expect(heard.slice(3)).toEqual(['ACK', 'Z435', 'EOT']);
    const z43 = raw.find((r) => r[0] === STX && r.toString('latin1', 1, 4) === 'Z43');
    expect(z43).toEqual(Buffer.from([0x02, 0x5a, 0x34, 0x33, 0x35, 0x03, 0x5a ^ 0x34 ^ 0x33 ^ 0x35 ^ 0x03]));
    expect(z43).toHaveLength(7);
  });

  it.each([
    ['*', 'CAN'],
    ['#', 'ENTER'],
    ['/', 'CLR'],
    ['A', 'F1'],
    ['B', 'F2'],
    ['C', 'F3'],
  ])('p. 223: key code %s is [%s]', async (code) => {
    await send(`Z2${GS}004${SUB}`);
    await send('Z425');
    twin.pressKeys(code);
    await settle();
    expect(heard).toContain(`Z43${code}`);
  });

  it('p. 223: no key before [timeout] seconds — Z43 ?', async () => {
    vi.useFakeTimers();
    await terminal.write(frame(STX, ETX, `Z2${GS}004${SUB}`));
    await vi.advanceTimersByTimeAsync(0);
    await terminal.write(frame(STX, ETX, 'Z423'));
    await vi.advanceTimersByTimeAsync(2999);
    expect(heard).not.toContain('Z43?');
    await vi.advanceTimersByTimeAsync(1);
    expect(heard).toContain('Z43?');
  });

  it('p. 216: a digits-only Z2 without SUB keeps the authenticated mode and shows under the prompt; one with letters ends it', async () => {
    await send(`Z2${GS}004${SUB}`);
    await send('Z21250');
    expect(twin.authenticated).toBe(true);
    expect(twin.displayed[0]).toEqual(['ENTER TIP', '1250']);
    await send('Z2AB');
    expect(twin.authenticated).toBe(false);
    await send('Z4210');
    twin.pressKeys('7#');
    await settle();
    expect(heard.filter((h) => h.startsWith('Z43'))).toEqual(['Z43#']);
  });

  it('p. 216: a digits-only Z2 with SUB is not one the mode takes: it ends it', async () => {
    await send(`Z2${GS}004${SUB}`);
    await send(`Z2${SUB}12`);
    expect(twin.authenticated).toBe(false);
  });

  it.each([
    ['72', 'control'],
    ['Z1', 'data'],
  ] as const)('p. 216: any other message (%s) ends the authenticated mode', async (message, kind) => {
    await send(`Z2${GS}004${SUB}`);
    expect(twin.authenticated).toBe(true);
    await send(message, kind);
    expect(twin.authenticated).toBe(false);
  });

  it('p. 222: 72 aborts the key read — no Z43 comes', async () => {
    await send(`Z2${GS}004${SUB}`);
    await send('Z4210');
    expect(twin.readingKeys).toBe(true);
    await send('72', 'control');
    expect(twin.readingKeys).toBe(false);
    twin.pressKeys('#');
    await settle();
    expect(heard.some((h) => h.startsWith('Z43'))).toBe(false);
  });

  it('p. 213–214: Z3 <GS>[ID]<FS>[ID] shows the prompts and answers Z3 0; an unknown ID, Z3 1', async () => {
    await send(`Z3${GS}004${FS}001`);
    expect(heard).toEqual(['ACK', 'Z30', 'EOT']);
    expect(twin.displayed[0]).toEqual(['ENTER TIP', 'PLEASE WAIT']);
    expect(twin.authenticated).toBe(true);
    heard = [];
    await send(`Z3${GS}004${FS}777`);
    expect(heard).toEqual(['ACK', 'Z31', 'EOT']);
    expect(twin.authenticated).toBe(false);
    heard = [];
    await send(`Z32${SUB}HELLO${FS}THERE`);
    expect(heard).toEqual(['ACK']);
    expect(twin.displayed[0]).toEqual(['HELLO', 'THERE']);
  });

  it('pressKeys refuses a key the pad does not have', () => {
    expect(() => twin.pressKeys('1x')).toThrow(/no such key/);
  });
});
