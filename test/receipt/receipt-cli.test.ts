/**
 * `pos receipt` through the built CLI (`dist/`): a receipt read from a
 * journal on disk is the text the layout gives for that row and the
 * config's receipt section, on standard output and nothing else; an
 * unknown id and a width the layout has not are errors with their codes.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { merchantSettings } from '../../src/app/ecr-receipt-routes.js';
import { parseConfig } from '../../src/config/load.js';
import { renderReceipt } from '../../src/receipt/layout/render.js';
import { receiptText } from '../../src/receipt/text.js';
import { openJournal, tempDir } from '../txn/journal-helpers.js';
import { approveInJournal } from './receipt-fixtures.js';

function pos(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, POS_LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function journalWithPurchase(): { configFile: string; raw: Record<string, unknown> } {
  const root = tempDir('pos-receipt-cli-');
  const state = join(root, 'state');
  const journal = openJournal(state);
  approveInJournal(journal, 'txn-a', { amountMinor: 7000, cashbackMinor: 2000 });
  journal.close();
  const raw = {
    devices: { reader: { type: 'virtual' }, printer: { type: 'virtual', columns: 48 } },
    host: { type: 'simulator' },
    journal: { dir: state },
    receipt: { merchantName: 'CORNER SHOP', addressLines: ['1 High Street'], footer: ['Thank you'], timeZone: 'Europe/Berlin' },
    log: { level: 'silent' },
  };
  const configFile = join(root, 'config.json');
  writeFileSync(configFile, JSON.stringify(raw));
  return { configFile, raw };
}

describe('pos receipt', () => {
  it('prints the receipt from the journal, at the configured printer width, as the layout gives it', async () => {
    const { configFile, raw } = journalWithPurchase();
    const config = parseConfig(raw);
    const journal = openJournal(config.journal.dir);
    const row = journal.get('txn-a');
    journal.close();

    const customer = await pos(['--config', configFile, 'receipt', 'txn-a']);
    expect(customer).toEqual({ status: 0, stdout: receiptText(renderReceipt(row, merchantSettings(config), { copy: 'customer', width: 48 }), 48), stderr: '' });
    expect(customer.stdout).toContain('**** **** **** 0119');
    expect(customer.stdout).toMatch(/\nCASHBACK {31}20\.00 EUR\n/);
    expect(customer.stdout).toContain('TIME 11:00:05'); // 10:00:05 UTC in Berlin

    const merchant = await pos(['--config', configFile, 'receipt', 'txn-a', '--copy', 'merchant', '--width', '32']);
    expect(merchant.stdout).toBe(receiptText(renderReceipt(row, merchantSettings(config), { copy: 'merchant', width: 32 }), 32));
    expect(merchant.stdout).toContain('\n476173******0119\n');
    expect(merchant.stdout.split('\n').every((line) => line.length <= 32)).toBe(true);
  });

  it('fails with the code for an unknown id, and refuses a width it has no layout for', async () => {
    const { configFile } = journalWithPurchase();
    const unknown = await pos(['--config', configFile, 'receipt', 'txn-nope']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('JOURNAL_NOT_FOUND');
    const width = await pos(['--config', configFile, 'receipt', 'txn-a', '--width', '40']);
    expect(width.status).toBe(2);
    expect(width.stdout).toBe('');
    expect(width.stderr).toContain('--width');
  });
});
