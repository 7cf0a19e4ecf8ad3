/**
 * VeriFone PINpad 1000SE / IPP packet protocol (PINpad 1000SE Reference and
 * Programmers Guide, VeriFone part 22903 rev. E, chapter "Communication
 * protocol" and the packet reference; the IPP packets as in the MX800 Series
 * Programmer's Guide, "IPP MS and DUKPT communications packets"):
 *
 *   control packet  [SI][type…][SO][LRC]
 *   data packet     [STX][type…][ETX][LRC]
 *
 * LRC: XOR of every byte after SI/STX up to and including SO/ETX. The
 * receiver answers ACK for a good LRC and NAK for a bad one; after three NAKs
 * the sender gives up with EOT. The line is 1200 baud 7E1 by default (8N1 as
 * configured).
 *
 * The packet set is data (`VERIFONE_PACKETS`); numbers the public guides
 * leave open for this use are ours and marked in docs/protocols/verifone-pinpad.md.
 */
export const STX = 0x02; // start of text: data packet
export const ETX = 0x03; // end of text
export const EOT = 0x04; // end of transmission: session over / gave up
export const ACK = 0x06; // acknowledge: LRC good
export const SO = 0x0e; // shift out: ends a control packet
export const SI = 0x0f; // shift in: starts a control packet
export const NAK = 0x15; // negative acknowledge: LRC bad, resend
export const FS = 0x1c; // field separator
export const SUB = 0x1a; // in Z2: clear the display first
export const GS = 0x1d; // in Z2/Z3: a fixed prompt ID follows (authenticated frame)

export const LINK_ATTEMPTS = 3;

export const VERIFONE_PACKETS = {
  /** Z60 Accept and encrypt PIN (DUKPT): `Z60.<account><FS>DUKPT ENCRYPTION`. */
  pinEntryDukpt: { type: 'Z60', frame: 'data', detail: 'DUKPT ENCRYPTION' },
  /** 73 Transfer PIN block (DUKPT): `73.00000<KSN, leading Fs suppressed><PIN block, 16 hex>`. */
  pinBlockDukpt: { type: '73', frame: 'data', detail: '00000' },
  /** 71 PIN entry error: `71<code>` (codes in `PIN_ERROR_CODES`). */
  pinError: { type: '71', frame: 'data', detail: '' },
  /** Z2 Display message: `Z2<SUB><line 1><FS><line 2>`. */
  display: { type: 'Z2', frame: 'data', detail: '' },
  /** 72 Cancel session: the pad abandons PIN entry and goes idle. */
  cancel: { type: '72', frame: 'control', detail: '' },
  /** 78 Fixed-PIN test (PIN "1234", no cardholder): `78<account><FS>C<amount>`, answered like Z60. */
  testPin: { type: '78', frame: 'data', detail: '' },
  /** Z2 authenticated fixed prompt: `Z2<GS><prompt ID, 3 digits><SUB>`, answered `Z2<status>` (PP791 manual p. 210–212). */
  displayPrompt: { type: 'Z2', frame: 'data', detail: '' },
  /** Z42 Read key code: `Z42<timeout, 1–255 s, 1–3 digits>`, answered Z43 (PP791 manual p. 222). */
  readKey: { type: 'Z42', frame: 'data', detail: '' },
  /** Z43 Read key code response: `Z43<key code>` (PP791 manual p. 223). */
  keyCode: { type: 'Z43', frame: 'data', detail: '' },
} as const;

/** Status of the Z2 response to an authenticated prompt (PP791 manual p. 212). */
export const PROMPT_STATUS = {
  '0': 'ok',
  '1': 'prompt-not-supported',
} as const;

export type PromptStatus = keyof typeof PROMPT_STATUS;

/** Key codes of Z43 (PP791 manual p. 223): digits stand for themselves. */
export const KEY_CODES = {
  A: 'f1',
  B: 'f2',
  C: 'f3',
  '*': 'cancel',
  '#': 'enter',
  '/': 'clear',
  '?': 'timeout',
} as const;

export type KeyCode = keyof typeof KEY_CODES | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

/** Z42's timeout field bounds, in seconds (PP791 manual p. 222). */
export const KEY_TIMEOUT_SECONDS = { min: 1, max: 255 } as const;

/** The fixed PIN of the test packet (MX800 guide, packet 78). */
export const TEST_PACKET_PIN = '1234';

/** Codes of packet 71 after a Z60 (ours where the guides give none for DUKPT). */
export const PIN_ERROR_CODES = {
  '1': 'no-key',
  '2': 'bad-account',
  '5': 'cancel-key',
  '6': 'timeout',
} as const;

export type PinErrorCode = keyof typeof PIN_ERROR_CODES;

/** XOR of `bytes[start, end)`. */
export function lrc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i] as number;
  return x;
}

/** A whole packet: `[STX|SI][body][ETX|SO][LRC]`. */
export function encodePacket(frame: 'data' | 'control', body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = frame === 'data' ? STX : SI;
  out.set(body, 1);
  out[body.length + 1] = frame === 'data' ? ETX : SO;
  out[body.length + 2] = lrc(out, 1, body.length + 2);
  return out;
}
