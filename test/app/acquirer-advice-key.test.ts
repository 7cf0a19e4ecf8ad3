/**
 * The acquirer's advice public key on a real filesystem: loaded and checked
 * (regular file, the service user's, nobody else may write it, X25519 in
 * PEM), and in simulation provisioned from the bank-host simulator's key pair
 * — its public half only.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { ACQUIRER_ADVICE_KEY_FILE, loadAcquirerAdviceKey } from '../../src/app/acquirer-advice-key.js';
import { provisionSimulationAdviceKey } from '../../src/app/simulation/advice-key.js';
import { startTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { adviceSealingKey } from '../../src/host/messages/sealed-advice.js';
import { silentLogger } from '../../src/log/logger.js';
import { thrown } from '../pos-error.js';

const SIM = loadSimulationKeys();
const uid = process.getuid?.() ?? 0;

/** Writes `content` with exactly `mode`, whatever the umask. */
function writeMode(path: string, content: string, mode: number): void {
  writeFileSync(path, content);
  chmodSync(path, mode);
}

function keyDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pos-advice-key-')), 'keys');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

describe('acquirer-advice.pub', () => {
  it('loads an X25519 public key in PEM, with the key id the host is told', () => {
    const dir = keyDir();
    writeMode(join(dir, ACQUIRER_ADVICE_KEY_FILE), SIM.acquirerAdvicePublicPem, 0o644); // public: others may read it
    const key = loadAcquirerAdviceKey(dir);
    expect(key.keyId).toEqual(SIM.acquirerAdvice.keyId);
    expect(key.raw).toEqual(adviceSealingKey(SIM.acquirerAdvicePublicPem).raw);
  });

  it.each([
    ['missing', (_dir: string) => undefined, 'KEY_FILE_MISSING'],
    ['a symbolic link', (dir: string) => symlinkSync('/dev/null', join(dir, ACQUIRER_ADVICE_KEY_FILE)), 'KEY_FILE_NOT_REGULAR'],
    ['writable by the group', (dir: string) => writeMode(join(dir, ACQUIRER_ADVICE_KEY_FILE), SIM.acquirerAdvicePublicPem, 0o664), 'KEY_FILE_MODE'],
    ['a P-256 key', (dir: string) => writeFileSync(join(dir, ACQUIRER_ADVICE_KEY_FILE), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o600 }), 'KEY_FILE_INVALID'],
    ['hex, not PEM', (dir: string) => writeFileSync(join(dir, ACQUIRER_ADVICE_KEY_FILE), '22'.repeat(32) + '\n', { mode: 0o600 }), 'KEY_FILE_INVALID'],
  ])('refuses a key file that is %s (%s), naming the file', (_name, make, code) => {
    const dir = keyDir();
    make(dir);
    const error = thrown(() => loadAcquirerAdviceKey(dir));
    expect(error.code).toBe(code);
    expect(error.details['path']).toBe(join(dir, ACQUIRER_ADVICE_KEY_FILE));
  });

  it('refuses one owned by another user', () => {
    const dir = keyDir();
    writeFileSync(join(dir, ACQUIRER_ADVICE_KEY_FILE), SIM.acquirerAdvicePublicPem, { mode: 0o600 });
    expect(thrown(() => loadAcquirerAdviceKey(dir, { uid: uid + 1 })).code).toBe('KEY_FILE_OWNER');
  });

  it('in simulation is the host simulator public key, written once (0600), never its private key', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pos-advice-sim-')), 'keys');
    provisionSimulationAdviceKey(dir);
    provisionSimulationAdviceKey(dir);
    expect(readdirSync(dir)).toEqual([ACQUIRER_ADVICE_KEY_FILE]);
    expect(readFileSync(join(dir, ACQUIRER_ADVICE_KEY_FILE), 'latin1')).toBe(SIM.acquirerAdvicePublicPem);
    expect(readFileSync(join(dir, ACQUIRER_ADVICE_KEY_FILE), 'latin1')).not.toContain('PRIVATE');
  });

  it('a simulated terminal with store-and-forward on starts with it, and its key folder opens nothing', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pos-advice-terminal-'));
    const config = parseConfig({
      devices: { reader: { type: 'virtual' } },
      host: { type: 'simulator' },
      ecr: { port: 0 },
      storeAndForward: { enabled: true, chipOnly: false, floorLimits: { visa: 5000 } },
    });
    const terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir });
    try {
      expect(terminal.advices).not.toBeNull();
      const keys = join(stateDir, 'keys');
      expect(readdirSync(keys)).toContain(ACQUIRER_ADVICE_KEY_FILE);
      for (const name of readdirSync(keys)) expect(readFileSync(join(keys, name), 'latin1')).not.toContain('PRIVATE');
    } finally {
      await terminal.close();
    }
  });
});
