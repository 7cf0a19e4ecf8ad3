/**
 * A stolen SD card gives up no card number. Real purchases — online
 * approved, declined, and offline approvals queued for advice with their
 * card data sealed — go through the terminal into a real journal folder and
 * key folder. Then the test is an attacker holding the whole disk and the
 * key folder, as the terminal left them while running and after it stopped:
 *
 * - for each masked PAN in the journal (first six, last four), every
 *   Luhn-valid PAN consistent with it is hashed — SHA-256, and HMAC-SHA-256
 *   under every key file in every reading (raw, hex, PEM body) — and looked
 *   for in every hex run, base64 run and raw byte window of every file;
 * - every sealed advice blob is tried with every key the folder holds: as an
 *   AES-256-GCM key (the retired `advice.key` scheme) and as an X25519
 *   private key for the acquirer's scheme, and the folder is searched for a
 *   private key at all;
 * - every byte of every file is searched for each deck card's PAN and
 *   track 2 in ASCII, hex and BCD.
 *
 * It finds nothing. So that "nothing" means something, positive controls run
 * the same attack on deliberately weakened copies: a journal with an HMAC of
 * the PAN under a key from the folder (the PAN comes back), a key folder that
 * also holds the acquirer's private key (the sealed advice opens), and a
 * journal with a track in BCD (the grep finds it).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, type KeyObject } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { loadDeck } from '../../hw-mocks/cards/deck.js';
import { startTerminal, type RunningTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { amountField, transmissionDateTime } from '../../src/host/messages/fields.js';
import { adviceOpeningKey, openAdviceCard, type AdviceBinding } from '../../src/host/messages/sealed-advice.js';
import { silentLogger } from '../../src/log/logger.js';
import { writeTerminalMacKeys } from '../../hw-mocks/keys/terminal-key-folder.js';
import { cardSecrets, scanForSecrets } from './card-secrets.js';

const DECK = loadDeck();
const SIM_KEYS = loadSimulationKeys();
const USED = ['visa-ok', 'mc-low-funds'] as const;
const panOf = (id: string): string => DECK.cards.find((c) => c.id === id)?.pan ?? '';

// ── The disk as the attacker holds it ─────────────────────────────────────

/** Every regular file under `dir`, by path relative to `label`. */
function filesUnder(dir: string, label: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) Object.assign(out, filesUnder(path, `${label}/${name}`));
    else if (stat.isFile()) out[`${label}/${name}`] = readFileSync(path);
  }
  return out;
}

/** The journal as the attacker reads it with SQLite (from a copy of the db and its WAL): every row of every table. */
function journalRows(files: Readonly<Record<string, Buffer>>, label: string): Record<string, unknown>[] {
  const dir = mkdtempSync(join(tmpdir(), 'pos-attacker-'));
  for (const suffix of ['', '-wal']) {
    const bytes = files[`${label}/journal.db${suffix}`];
    if (bytes !== undefined) writeFileSync(join(dir, `journal.db${suffix}`), bytes);
  }
  const db = new Database(join(dir, 'journal.db'));
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
    return tables.flatMap((t) => (db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]).map((row) => ({ table: t, ...row })));
  } finally {
    db.close();
  }
}

/** Every reading of a key file an attacker would try, once each: its bytes, trimmed; hex-decoded; a PEM body base64-decoded. */
function keyCandidates(keyFiles: Readonly<Record<string, Buffer>>): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  const push = (key: Buffer): void => {
    if (seen.has(key.toString('hex'))) return;
    seen.add(key.toString('hex'));
    out.push(key);
  };
  for (const bytes of Object.values(keyFiles)) {
    const text = bytes.toString('latin1').trim();
    push(Buffer.from(text, 'latin1'));
    if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) push(Buffer.from(text, 'hex'));
    const pem = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END/.exec(text);
    if (pem?.[1] !== undefined) push(Buffer.from(pem[1].replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

/** The first bytes of a digest that identify it: a hash truncated to this much would still be found. */
const PREFIX_BYTES = 12;

/** Every place a SHA-256 or HMAC-SHA-256 (whole, or its first 12 bytes) could sit: raw byte windows, hex runs, base64 runs. */
class DigestIndex {
  readonly #prefixes = new Set<string>();

  addRaw(bytes: Buffer): void {
    for (let at = 0; at + PREFIX_BYTES <= bytes.length; at++) this.#prefixes.add(bytes.toString('latin1', at, at + PREFIX_BYTES));
  }

  addText(bytes: Buffer): void {
    const text = bytes.toString('latin1');
    for (const run of text.match(/[0-9a-fA-F]{24,}/g) ?? []) {
      for (let at = 0; at + 2 * PREFIX_BYTES <= run.length; at++) this.#prefixes.add(Buffer.from(run.slice(at, at + 2 * PREFIX_BYTES), 'hex').toString('latin1'));
    }
    for (const run of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
      for (let shift = 0; shift < 4; shift++) this.addRaw(Buffer.from(run.slice(shift).replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    }
  }

  has(digest: Buffer): boolean {
    return this.#prefixes.has(digest.toString('latin1', 0, PREFIX_BYTES));
  }
}

function luhnValid(digits: Buffer): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = (digits[i] as number) - 0x30;
    if (double) d = d > 4 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Every Luhn-valid PAN with `masked`'s first six and last four, hashed every
 * way the attacker knows; the PANs whose hash is somewhere in `index`.
 */
function bruteForce(masked: string, index: DigestIndex, keys: readonly Buffer[], stopAtFirst = false): { found: string[]; tried: number } {
  const hidden = masked.length - 10;
  const pan = Buffer.from(masked.replace(/\*/g, '0'), 'latin1');
  const found: string[] = [];
  let tried = 0;
  for (let middle = 0; middle < 10 ** hidden; middle++) {
    let m = middle;
    for (let i = 6 + hidden - 1; i >= 6; i--) {
      pan[i] = 0x30 + (m % 10);
      m = Math.floor(m / 10);
    }
    if (!luhnValid(pan)) continue;
    tried++;
    let hit = index.has(createHash('sha256').update(pan).digest());
    for (const key of keys) hit ||= index.has(createHmac('sha256', key).update(pan).digest());
    if (hit) {
      found.push(pan.toString('latin1'));
      if (stopAtFirst) break;
    }
  }
  return { found, tried };
}

/** PKCS #8 wrapping of a raw X25519 private key (RFC 8410): any 32 bytes are one. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** What opening a sealed advice blob with every key in the folder gives: the clear card data of any that opened. */
function tryToOpen(blob: Buffer, row: Record<string, unknown>, keys: readonly Buffer[], keyFiles: Readonly<Record<string, Buffer>>): string[] {
  const opened: string[] = [];
  // The retired scheme: AES-256-GCM [01][IV 12][tag 16][ciphertext], AAD the transaction id or nothing.
  for (const key of keys.filter((k) => k.length === 32)) {
    for (const aad of [Buffer.from(String(row['id'])), null]) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
        if (aad !== null) decipher.setAAD(aad);
        decipher.setAuthTag(blob.subarray(13, 29));
        opened.push(Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]).toString('latin1'));
      } catch {
        // not this key
      }
    }
  }
  // The acquirer's scheme: any private key the folder holds, or any 32 bytes taken as a raw X25519 private key.
  const privateKeys: KeyObject[] = [];
  for (const bytes of Object.values(keyFiles)) {
    try {
      privateKeys.push(createPrivateKey(bytes));
    } catch {
      // not a private key
    }
  }
  for (const key of keys.filter((k) => k.length === 32)) {
    try {
      privateKeys.push(createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, key]), format: 'der', type: 'pkcs8' }));
    } catch {
      // not usable as one
    }
  }
  const binding: AdviceBinding = {
    terminalId: String(row['terminal_id']),
    stan: String(row['stan']),
    transmissionDateTime: transmissionDateTime(new Date(String(row['transmitted_at']))),
    amount: amountField(Number(row['amount_minor'])),
    currency: String(row['currency']),
  };
  for (const privateKey of privateKeys) {
    try {
      opened.push(openAdviceCard(adviceOpeningKey(privateKey), blob, binding).track2.toString('latin1'));
    } catch {
      // not this key
    }
  }
  return opened;
}

/** The whole attack on one snapshot of the disk. */
function attack(disk: Readonly<Record<string, Buffer>>, journalLabels: readonly string[], keyFiles: Readonly<Record<string, Buffer>>, options: { stopAtFirst?: boolean; onlyBin?: string } = {}) {
  const rows = journalLabels.flatMap((label) => journalRows(disk, label));
  const index = new DigestIndex();
  for (const bytes of Object.values(disk)) {
    index.addRaw(bytes);
    index.addText(bytes);
  }
  for (const row of rows) for (const value of Object.values(row)) if (Buffer.isBuffer(value)) index.addRaw(value);
  const keys = keyCandidates(keyFiles);
  const masked = [...new Set(rows.map((r) => r['masked_pan']).filter((m): m is string => typeof m === 'string' && /^\d{6}\*+\d{4}$/.test(m)))].filter(
    (m) => options.onlyBin === undefined || m.startsWith(options.onlyBin),
  );
  const panHits = masked.map((m) => ({ masked: m, ...bruteForce(m, index, keys, options.stopAtFirst) }));
  const sealed = rows.filter((r) => Buffer.isBuffer(r['advice_card']));
  const opened = sealed.flatMap((r) => tryToOpen(r['advice_card'] as Buffer, r, keys, keyFiles));
  const secrets = cardSecrets().filter((s) => / (PAN|track 2) /.test(s.what));
  return { rows, masked, panHits, sealed, opened, grep: scanForSecrets(disk, secrets), keys };
}

// ── The terminal, run for real ────────────────────────────────────────────

const root = mkdtempSync(join(tmpdir(), 'pos-at-rest-'));
const stateDir = join(root, 'state');
const keyDir = join(root, 'keys');
let terminal: RunningTerminal | undefined;
let simulator: BankHostSimulator;
const results: Record<string, unknown>[] = [];
const disks: Record<string, Buffer>[] = [];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  if (terminal === undefined) throw new Error('no terminal');
  const headers = { authorization: `Bearer ${terminal.ecrToken}`, 'content-type': 'application/json' };
  const res = await fetch(terminal.ecrUrl + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function purchase(amount: number, card: string): Promise<Record<string, unknown>> {
  const started = await call('POST', '/v1/transactions', { type: 'purchase', amount, currency: '978' });
  expect(started.status).toBe(201);
  expect((await call('POST', '/v1/simulator/present', { card, entry: 'swipe' })).status).toBe(202);
  const result = (await call('GET', `/v1/transactions/${String(started.json['id'])}?wait=true`)).json;
  results.push(result);
  return result;
}

beforeAll(async () => {
  mkdirSync(keyDir, { mode: 0o700 });
  // The key folder of a store-and-forward terminal: the ECR token, the acquirer's MAC keys and advice public key.
  writeFileSync(join(keyDir, 'ecr.token'), '5a'.repeat(32) + '\n', { mode: 0o600 });
  writeFileSync(join(keyDir, 'acquirer-advice.pub'), SIM_KEYS.acquirerAdvicePublicPem, { mode: 0o600 });
  writeTerminalMacKeys(keyDir);
  simulator = new BankHostSimulator({ host: '127.0.0.1', port: 0, logger: silentLogger });
  await simulator.start();
  const config = parseConfig({
    ecr: { port: 0 },
    devices: { reader: { type: 'virtual' } },
    host: { type: 'iso8583-tcp', address: '127.0.0.1', port: simulator.port, timeoutMs: 2000, echoIntervalMs: 0 },
    keys: { dir: keyDir },
    journal: { dir: stateDir },
    storeAndForward: { enabled: true, chipOnly: false, floorLimits: { visa: 5000, mastercard: 5000 }, maxCount: 5, maxTotal: 20_000, flushIntervalMs: 3_600_000 },
  });
  terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir });

  expect(await purchase(1234, 'visa-ok')).toMatchObject({ status: 'approved', responseCode: '00' });
  expect(await purchase(90_000, 'mc-low-funds')).toMatchObject({ status: 'declined', responseCode: '51' });
  await simulator.stop(); // the host goes away: what follows is approved offline and queued for advice
  expect(await purchase(1500, 'visa-ok')).toMatchObject({ status: 'approved', responseCode: 'Y3', offline: true });
  expect(await purchase(2000, 'mc-low-funds')).toMatchObject({ status: 'approved', responseCode: 'Y3', offline: true });

  // The disk while the terminal runs (WAL and all), then after it stopped.
  disks.push({ ...filesUnder(stateDir, 'running/state'), ...filesUnder(keyDir, 'running/keys') });
  await terminal.close();
  terminal = undefined;
  disks.push({ ...filesUnder(stateDir, 'stopped/state'), ...filesUnder(keyDir, 'stopped/keys') });
}, 60_000);

afterAll(async () => {
  await terminal?.close();
});

describe('an attacker holding the disk and the key folder', () => {
  let outcome: ReturnType<typeof attack>[] = [];

  beforeAll(() => {
    // One attack on both snapshots at once: a hash in either one would do.
    const disk = Object.assign({}, ...disks) as Record<string, Buffer>;
    const keyFiles = Object.fromEntries(Object.entries(disk).filter(([path]) => /^(running|stopped)\/keys\//.test(path)));
    outcome = [attack(disk, ['running/state', 'stopped/state'], keyFiles)];
  }, 60_000);

  it('reads the journal it stole: every purchase with its masked PAN, and the queued advices with their sealed card data', () => {
    expect(results).toHaveLength(4);
    for (const o of outcome) {
      const txns = o.rows.filter((r) => r['table'] === 'txn');
      expect(txns).toHaveLength(8); // four purchases, seen running and stopped
      expect(o.masked.sort()).toEqual(USED.map((id) => panOf(id).slice(0, 6) + '******' + panOf(id).slice(-4)).sort());
      expect(o.sealed).toHaveLength(4);
      for (const r of o.sealed) expect((r['advice_card'] as Buffer).length).toBeGreaterThan(57);
      expect(o.keys).toHaveLength(7); // ecr.token and kbpk.key as text and as hex, tak.tr31 as text, acquirer-advice.pub as text and as DER
    }
  });

  it('brute-forces every Luhn-valid PAN behind each masked PAN against every hash, keyed or not, and finds none', () => {
    for (const o of outcome) {
      for (const hit of o.panHits) {
        expect(hit.tried).toBe(100_000); // 16 digits: 10^6 middles, one in ten passes Luhn
        expect(hit.found).toEqual([]);
      }
    }
  });

  it('holds no key that opens a sealed advice — no private key at all', () => {
    for (const o of outcome) expect(o.opened).toEqual([]);
    for (const disk of disks) {
      for (const [path, bytes] of Object.entries(disk)) {
        expect([path, bytes.toString('latin1').includes('PRIVATE KEY')]).toEqual([path, false]);
      }
    }
  });

  it('finds no PAN or track 2 of any deck card in any file, in ASCII, hex or BCD', () => {
    for (const o of outcome) expect(o.grep).toEqual([]);
  });
});

describe('the same attack, on weakened copies, does find the card (positive controls)', () => {
  const visa = panOf('visa-ok');

  it('a journal that kept an HMAC of the PAN under a key from the folder gives the PAN back', () => {
    const disk = disks[1] ?? {};
    const dir = mkdtempSync(join(tmpdir(), 'pos-weak-'));
    writeFileSync(join(dir, 'journal.db'), disk['stopped/state/journal.db'] ?? Buffer.alloc(0));
    const db = new Database(join(dir, 'journal.db'));
    const folderKey = Buffer.from('5a'.repeat(32), 'hex'); // ecr.token, read as hex
    db.exec('ALTER TABLE txn ADD COLUMN pan_hash TEXT');
    db.prepare(`UPDATE txn SET pan_hash = ? WHERE masked_pan LIKE '411111%'`).run(createHmac('sha256', folderKey).update(visa).digest('hex'));
    db.close();
    const weak: Record<string, Buffer> = { ...disk, 'stopped/state/journal.db': readFileSync(join(dir, 'journal.db')) };
    delete weak['stopped/state/journal.db-wal'];
    const keyFiles = Object.fromEntries(Object.entries(disk).filter(([path]) => path.startsWith('stopped/keys/')));
    const o = attack(weak, ['stopped/state'], keyFiles, { stopAtFirst: true, onlyBin: '411111' });
    expect(o.panHits.find((h) => h.masked.startsWith('411111'))?.found).toEqual([visa]);
  });

  it('a key folder that also held the acquirer private key would open the sealed advices', () => {
    const disk = disks[0] ?? {};
    const keyFiles = {
      ...Object.fromEntries(Object.entries(disk).filter(([path]) => path.startsWith('running/keys/'))),
      'running/keys/acquirer-advice.key': Buffer.from(SIM_KEYS.file.acquirerAdvice.privateKey),
    };
    const rows = journalRows(disk, 'running/state').filter((r) => Buffer.isBuffer(r['advice_card']));
    const opened = rows.flatMap((r) => tryToOpen(r['advice_card'] as Buffer, r, keyCandidates(keyFiles), keyFiles));
    expect(opened.map((track) => track.split('=')[0]).sort()).toEqual(USED.map(panOf).sort());
  });

  it('a blob sealed the retired way, under a 32-byte key in the folder, opens too', () => {
    const key = Buffer.from('5a'.repeat(32), 'hex');
    const iv = Buffer.alloc(12, 1);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('t-1'));
    const body = Buffer.concat([cipher.update(`${visa}=3012101`), cipher.final()]);
    const blob = Buffer.concat([Buffer.from([0x01]), iv, cipher.getAuthTag(), body]);
    const keyFiles = { 'keys/ecr.token': Buffer.from('5a'.repeat(32) + '\n') };
    const row = { id: 't-1', terminal_id: 'T0000001', stan: '000001', transmitted_at: new Date().toISOString(), amount_minor: 1, currency: '978' };
    expect(tryToOpen(blob, row, keyCandidates(keyFiles), keyFiles)).toContain(`${visa}=3012101`);
  });

  it('a track 2 written in BCD anywhere in the journal is found by the grep', () => {
    const disk = disks[1] ?? {};
    const dir = mkdtempSync(join(tmpdir(), 'pos-weak-'));
    copyFileSync(join(stateDir, 'journal.db'), join(dir, 'journal.db'));
    const db = new Database(join(dir, 'journal.db'));
    const card = DECK.cards.find((c) => c.id === 'visa-ok');
    const bcd = Buffer.from(`${visa}D${card?.expiry ?? ''}${card?.serviceCode ?? ''}${card?.discretionary ?? ''}`, 'hex');
    db.prepare(`UPDATE txn SET reason = ? WHERE masked_pan LIKE '411111%'`).run(bcd);
    db.close();
    const weak = { ...disk, 'stopped/state/journal.db': readFileSync(join(dir, 'journal.db')) };
    const hits = scanForSecrets(weak, cardSecrets().filter((s) => / (PAN|track 2) /.test(s.what)));
    expect(hits.some((h) => h.startsWith('visa-ok track 2 (BCD) in stopped/state/journal.db'))).toBe(true);
    expect(existsSync(join(stateDir, 'journal.db'))).toBe(true);
  });
});
