/**
 * A `ReversalStore` on one JSON file, so a reversal duty survives a restart or
 * a power cut until the journal takes over behind the same interface.
 *
 *   file: { "version": 1, "reversals": [PendingReversal, …] }   oldest first
 *
 * Every change rewrites the file atomically: write `<file>.tmp`, fsync it,
 * rename it over `<file>`, fsync the directory. A crash leaves either the old
 * or the new file whole; a half-written temp file is ignored (and removed)
 * on open. Entries hold the masked PAN only, as `PendingReversal` does.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PosError } from '../util/errors.js';
import type { PendingReversal, ReversalStore } from './reversal-store.js';

const FILE_VERSION = 1;
const REQUIRED_TEXT = ['transactionId', 'stan', 'terminalId', 'transmittedAt', 'currency', 'entryMode', 'reason', 'maskedPan'] as const;

export class FileReversalStore implements ReversalStore {
  readonly path: string;
  readonly #tmpPath: string;
  #items: PendingReversal[];

  /** Opens (or starts) the store at `path`; `CHANNEL_REVERSAL_STORE_CORRUPT` when the file is there but unreadable as a store. */
  constructor(path: string) {
    this.path = path;
    this.#tmpPath = `${path}.tmp`;
    rmSync(this.#tmpPath, { force: true }); // a torn write from before a crash: the rename never happened
    this.#items = load(path);
  }

  add(reversal: PendingReversal): void {
    if (this.#items.some((r) => r.transactionId === reversal.transactionId)) return;
    this.#commit([...this.#items, { ...reversal }]);
  }

  pending(): readonly PendingReversal[] {
    return [...this.#items];
  }

  acknowledge(transactionId: string): void {
    const next = this.#items.filter((r) => r.transactionId !== transactionId);
    if (next.length !== this.#items.length) this.#commit(next);
  }

  /** Writes `items` atomically; memory follows only once the file is durable. */
  #commit(items: PendingReversal[]): void {
    const body = Buffer.from(JSON.stringify({ version: FILE_VERSION, reversals: items }, null, 1) + '\n', 'utf8');
    try {
      const fd = openSync(this.#tmpPath, 'w', 0o600);
      try {
        let off = 0;
        while (off < body.length) off += writeSync(fd, body, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(this.#tmpPath, this.path);
      const dirFd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code ?? 'unknown';
      throw new PosError('CHANNEL_REVERSAL_STORE_FAILED', `Cannot write the reversal store ${this.path} (${errno})`, { path: this.path, errno }, { cause: err });
    }
    this.#items = items;
  }
}

function load(path: string): PendingReversal[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code ?? 'unknown';
    if (errno === 'ENOENT') return [];
    throw new PosError('CHANNEL_REVERSAL_STORE_FAILED', `Cannot read the reversal store ${path} (${errno})`, { path, errno }, { cause: err });
  }
  const corrupt = (reason: string): never => {
    throw new PosError('CHANNEL_REVERSAL_STORE_CORRUPT', `The reversal store ${path} is not usable (${reason})`, { path, reason });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return corrupt('not-json');
  }
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== FILE_VERSION) return corrupt('version');
  const list = (doc as { reversals?: unknown }).reversals;
  if (!Array.isArray(list)) return corrupt('no-list');
  return list.map((item: unknown, index) => {
    const r = item as Record<string, unknown>;
    const ok = typeof item === 'object' && item !== null && r['original'] === 'purchase' && typeof r['amountMinor'] === 'number' && REQUIRED_TEXT.every((k) => typeof r[k] === 'string');
    return ok ? (item as PendingReversal) : corrupt(`entry-${index}`);
  });
}
