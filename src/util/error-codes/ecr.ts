import type { ErrorSpec } from './kind.js';

export const ECR_ERRORS = {
} as const satisfies Record<string, ErrorSpec>;
