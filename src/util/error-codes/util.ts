import type { ErrorSpec } from './kind.js';

export const UTIL_ERRORS = {
  HEX_INVALID: { kind: 'input', summary: 'Text given as hex has a non-hex character or an odd number of digits.' },
  SENSITIVE_WIPED: { kind: 'state', summary: 'A sensitive value was used after it had been wiped.' },
  INTERNAL: { kind: 'state', summary: 'An unexpected internal fault; the message says where.' },
} as const satisfies Record<string, ErrorSpec>;
