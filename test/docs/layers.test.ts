/**
 * The layer table of docs/ARCHITECTURE.md is what ESLint enforces: its rows
 * are `LAYERS` of eslint.config.js, layer for layer, and the rule
 * (`layers/imports`) refuses what the table does not allow — also what the
 * old rules let through (`src/crypto` importing `src/card`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Linter, type ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ROOT = join(import.meta.dirname, '..', '..');

const allowedSchema = z.object({ path: z.string(), lazy: z.literal(true).optional() }).strict();
const configSchema = z.object({
  LAYERS: z.array(z.object({ layer: z.string(), may: z.array(allowedSchema) }).strict()),
  layersPlugin: z.object({ rules: z.object({ imports: z.unknown() }) }),
});

/** eslint.config.js, loaded as ESLint loads it (a JS module outside the TypeScript project). */
async function eslintConfig() {
  const url = new URL('../../eslint.config.js', import.meta.url).href;
  const module: unknown = await import(url);
  const parsed = configSchema.parse(module);
  // The plugin's shape is ESLint's to check: the rule's object is handed over as it is.
  return { layers: parsed.LAYERS, plugin: (module as { layersPlugin: ESLint.Plugin }).layersPlugin };
}

/** The table's rows as `layer → what it may import` (`path` or `path (by import() only)`), in table order. */
function tableRows(): [string, string[]][] {
  const text = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const section = text.slice(text.indexOf('## Layers and what may import what'), text.indexOf('The rule behind the table'));
  const rows: [string, string[]][] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const layer = /^`((?:src|drivers|hw-mocks)[^`]*)`$/.exec(cells[1] ?? '')?.[1]?.replace(/\/$/, '');
    if (layer === undefined) continue;
    const may = cells[3] ?? '';
    rows.push([layer, may === '—' ? [] : may.split(', ').map((item) => item.replace(/^`([^`]+)`/, '$1').replace(' (by `import()` only)', ' (lazily)'))]);
  }
  return rows;
}

describe('the layer table', () => {
  it('has the rows of LAYERS in eslint.config.js, with the same imports', async () => {
    const { layers } = await eslintConfig();
    const fromConfig = layers.map(({ layer, may }): [string, string[]] => [layer, may.map((a) => (a.lazy ? `${a.path} (lazily)` : a.path))]);
    const table = tableRows();
    expect(table.length).toBeGreaterThan(20);
    expect(table).toEqual(fromConfig);
  });
});

describe('the layers/imports rule', () => {
  async function lint(file: string, code: string): Promise<string[]> {
    const { plugin } = await eslintConfig();
    const linter = new Linter({ configType: 'flat' });
    const config: Linter.Config[] = [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { layers: plugin }, rules: { 'layers/imports': 'error' } }];
    return linter.verify(code, config, { filename: join(ROOT, file) }).map((m) => m.message);
  }

  it.each([
    ['src/crypto/x.ts', "import { luhn } from '../card/luhn.js';", 'src/crypto may not import src/card'],
    ['src/crypto/x.ts', "import type { CardRead } from '../devices/card-reader.js';", 'src/crypto may not import src/devices'],
    ['src/crypto/x.ts', "export { encode } from '../iso8583/message-codec.js';", 'src/crypto may not import src/iso8583'],
    ['src/host/x.ts', "import { TransactionEngine } from '../txn/engine.js';", 'src/host may not import src/txn'],
    ['src/txn/x.ts', "import { openDevices } from '../app/devices.js';", 'src/txn may not import src/app'],
    ['src/app/x.ts', "import { Simulation } from './simulation/index.js';", 'src/app may load src/app/simulation only by import()'],
    ['src/app/x.ts', "import { loadDeck } from '../../hw-mocks/cards/deck.js';", 'src/app may not import hw-mocks/cards'],
    ['src/cli/commands/x.ts', "import { runDemo } from '../actions/demo.js';", 'src/cli/commands may load src/cli/actions only by import()'],
    ['src/cli/actions/batch.ts', "import { loadDeck } from '../../../hw-mocks/cards/deck.js';", 'src/cli/actions may not import hw-mocks/cards'],
    ['drivers/vivopay/x.ts', "import { createMagtekHidReader } from '../magtek-hid/index.js';", 'drivers/vivopay may not import drivers/magtek-hid'],
    ['drivers/msr-serial/x.ts', "import { Journal } from '../../src/txn/journal/journal.js';", 'drivers/msr-serial may not import src/txn'],
    ['hw-mocks/msr/x.ts', "import { BankHostSimulator } from '../host/bank-host-simulator.js';", 'hw-mocks/msr may not import hw-mocks/host'],
    ['hw-mocks/host/x.ts', "import { createSerialMsrReader } from '../../drivers/msr-serial/index.js';", 'hw-mocks/host may not import drivers/msr-serial'],
  ])('refuses %s: %s', async (file, code, message) => {
    expect(await lint(file, code)).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ['src/txn/x.ts', "import { screens } from '../display/screens.js';"],
    ['src/host/x.ts', "import type { EntryMode } from '../devices/card-reader.js';"],
    ['src/app/x.ts', "import type { Simulation } from './simulation/index.js';\nexport const load = () => import('./simulation/index.js');"],
    ['src/app/simulation/x.ts', "import { loadDeck } from '../../../hw-mocks/cards/deck.js';"],
    ['src/cli/actions/host-sim.ts', "import { startHostSimServer } from '../../../hw-mocks/host/host-sim-server.js';"],
    ['drivers/vivopay/x.ts', "import { DeviceLink } from '../shared/device-link.js';\nimport { crc16 } from './crc16.js';"],
    ['hw-mocks/host/x.ts', "import { requireArqcData } from '../chip-card/arqc-data.js';"],
    ['test/app/x.test.ts', "import { loadDeck } from '../../hw-mocks/cards/deck.js';"],
  ])('allows %s: %s', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
