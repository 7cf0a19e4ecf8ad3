import type { ErrorSpec } from './kind.js';

export const TXN_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
