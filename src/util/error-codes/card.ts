import type { ErrorSpec } from './kind.js';

export const CARD_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
