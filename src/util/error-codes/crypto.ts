import type { ErrorSpec } from './kind.js';

export const CRYPTO_ERRORS = {
  CRYPTO_KEY_LENGTH: { kind: 'input', summary: 'A key has a length the algorithm does not accept.' },
  CRYPTO_KEY_PARITY: { kind: 'input', summary: 'A DES key where odd parity is required has a byte with even parity.' },
  CRYPTO_INPUT_LENGTH: { kind: 'input', summary: 'A KSN, block, cryptogram or data field has the wrong length.' },
  CRYPTO_OPTION_INVALID: { kind: 'input', summary: 'An algorithm option (usage, key type, padding, format, method) is not one we know.' },
  DUKPT_COUNTER_INVALID: { kind: 'input', summary: 'A DUKPT transaction counter is zero or has more one-bits than the standard allows.' },
  DUKPT_KEY_TYPE_NOT_ALLOWED: { kind: 'input', summary: 'An AES DUKPT working key would be stronger than the derivation key.' },
  DUKPT_EXHAUSTED: { kind: 'state', summary: 'The DUKPT originator has used its last transaction counter and needs a new initial key.' },
  PIN_INVALID: { kind: 'input', summary: 'A PIN is not 4 to 12 decimal digits.' },
  PAN_INVALID: { kind: 'input', summary: 'A PAN is not made of decimal digits of an accepted length.' },
  PIN_BLOCK_INVALID: { kind: 'input', summary: 'A decrypted PIN block breaks its format rules (format digit, PIN length, PIN digits or fill).' },
  TR31_HEADER_INVALID: { kind: 'input', summary: 'A TR-31 key block header or layout is malformed.' },
  TR31_UNSUPPORTED: { kind: 'input', summary: 'A TR-31 key block uses a version or algorithm we do not implement.' },
  TR31_MAC_MISMATCH: { kind: 'input', summary: 'A TR-31 key block fails authentication: wrong KBPK or tampered block.' },
  TR31_KEY_INVALID: { kind: 'input', summary: 'The key inside an authenticated TR-31 block has an impossible length.' },
  TR31_USE_NOT_ALLOWED: { kind: 'input', summary: 'A TR-31 header does not permit the use the caller asked for.' },
} as const satisfies Record<string, ErrorSpec>;
