import type { ErrorSpec } from './kind.js';

export const DEVICE_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
