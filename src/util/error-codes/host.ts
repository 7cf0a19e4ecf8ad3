import type { ErrorSpec } from './kind.js';

export const HOST_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
