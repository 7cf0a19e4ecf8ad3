import type { ErrorSpec } from './kind.js';

/**
 * PC/SC card readers (through pcscd) and the vpcd bridge that puts a virtual
 * card into pcscd. Details name the reader, the PC/SC failure and lengths,
 * never APDU bytes (a response can hold card data). A card that leaves the
 * reader during an exchange is `EMV_CARD_REMOVED` (the kernel's code).
 */
export const PCSC_ERRORS = {
  PCSC_LIBRARY_UNAVAILABLE: {
    kind: 'config',
    summary: 'The `smartcard` PC/SC addon could not load (it is built from source at install): apt-get install libpcsclite-dev, then npm rebuild smartcard.',
  },
  PCSC_SERVICE_UNAVAILABLE: { kind: 'disconnected', summary: 'pcscd is not running or stopped (no PC/SC service); the reader is reopened when it is back.' },
  PCSC_READER_NOT_FOUND: { kind: 'disconnected', summary: 'pcscd lists no reader whose name matches the configured readerName (`pos diag devices` lists them); details give the pattern.' },
  PCSC_READER_REMOVED: { kind: 'disconnected', summary: 'The reader left pcscd (unplugged) during a card session; details name the reader.' },
  PCSC_NO_CARD: { kind: 'timeout', summary: 'No card was inserted in the reader within the wait (`pos diag card --wait`); details name the reader and the seconds waited.' },
  PCSC_CARD_IN_USE: { kind: 'busy', summary: 'Another program holds the card in the reader exclusively (PC/SC sharing violation); details name the reader.' },
  PCSC_CONNECT_FAILED: {
    kind: 'io',
    summary: 'A card is in the reader but could not be powered or connected with T=0 or T=1 (mute or unsupported card); details name the reader and the PC/SC failure.',
  },
  PCSC_TRANSMIT_FAILED: { kind: 'io', summary: 'An APDU exchange failed while the card stayed in the reader; details name the reader and the PC/SC failure.' },
  PCSC_RESPONSE_INVALID: {
    kind: 'protocol',
    summary: 'The card answered without a status word while it stayed in the reader, or kept answering 61xx/6Cxx past the limit; details give the length or the rounds.',
  },
  PCSC_VPCD_BUSY: { kind: 'busy', summary: 'Both vpcd slots stayed claimed by other programs (simulation and tests only); details give the ports.' },
  PCSC_VPCD_UNREACHABLE: {
    kind: 'io',
    summary: 'The vpcd bridge could not reach vpcd (no pcscd, or vsmartcard-vpcd not installed); details give the host and port.',
  },
} as const satisfies Record<string, ErrorSpec>;
