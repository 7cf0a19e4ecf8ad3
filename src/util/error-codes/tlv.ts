import type { ErrorSpec } from './kind.js';

export const TLV_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
