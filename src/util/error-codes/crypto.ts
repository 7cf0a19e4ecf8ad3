import type { ErrorSpec } from './kind.js';

export const CRYPTO_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
