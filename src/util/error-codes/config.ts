import type { ErrorSpec } from './kind.js';

export const CONFIG_ERRORS = {
  CONFIG_UNREADABLE: { kind: 'config', summary: 'The configuration file cannot be read.' },
  CONFIG_NOT_JSON: { kind: 'config', summary: 'The configuration file is not valid JSON.' },
  CONFIG_INVALID: { kind: 'config', summary: 'A configuration field is missing or has a bad value; details name each field.' },
  CONFIG_SIMULATION_REFUSED: {
    kind: 'config',
    summary: 'With NODE_ENV=production the bank-host simulator and virtual devices are refused (or no config file was found); details name each field.',
  },
} as const satisfies Record<string, ErrorSpec>;
