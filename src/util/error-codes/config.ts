import type { ErrorSpec } from './kind.js';

export const CONFIG_ERRORS = {
  CONFIG_UNREADABLE: { kind: 'config', summary: 'The configuration file cannot be read.' },
  CONFIG_NOT_JSON: { kind: 'config', summary: 'The configuration file is not valid JSON.' },
  CONFIG_INVALID: { kind: 'config', summary: 'A configuration field is missing or has a bad value; details name each field.' },
  CONFIG_ENV_INVALID: { kind: 'config', summary: 'An environment variable the terminal reads (POS_LOG_LEVEL) has a value it does not know; details name the variable.' },
  CONFIG_SIMULATION_REFUSED: {
    kind: 'config',
    summary: 'With NODE_ENV=production the bank-host simulator and virtual devices are refused (or no config file was found); details name each field.',
  },
} as const satisfies Record<string, ErrorSpec>;
