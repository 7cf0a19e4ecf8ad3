import type { ErrorSpec } from './kind.js';

export const ISO8583_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
