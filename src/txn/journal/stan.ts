/**
 * DE 11 from the journal: 000001–999999, wrapping, committed before it is
 * returned, so a restart never reuses one. Authorizations, network
 * management and the batch close all draw from this one counter.
 */
import type { StanSource } from '../stan.js';
import type { JournalConnection } from './connection.js';

export class JournalStan implements StanSource {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  next(): string {
    const c = this.#c;
    return c.write('next stan', () => {
      c.db.prepare(`UPDATE counter SET value = CASE WHEN value >= 999999 THEN 1 ELSE value + 1 END WHERE name = 'last_stan'`).run();
      const value = (c.db.prepare(`SELECT value FROM counter WHERE name = 'last_stan'`).get() as { value: number }).value;
      return value.toString().padStart(6, '0');
    });
  }
}
