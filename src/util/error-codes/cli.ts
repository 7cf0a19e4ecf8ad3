import type { ErrorSpec } from './kind.js';

/** The `pos` command line itself. */
export const CLI_ERRORS = {
  CLI_USAGE: {
    kind: 'config',
    summary: 'The command line is wrong: an unknown command or option, a missing or extra argument, or an option value out of range; a second line says where to look.',
  },
} as const satisfies Record<string, ErrorSpec>;
