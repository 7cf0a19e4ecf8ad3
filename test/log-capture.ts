/** A logger whose lines a test reads back: what was logged, to check it holds no card data or names an event. */
import { Writable } from 'node:stream';
import type { LevelWithSilent } from 'pino';
import { createLogger, type Logger } from '../src/log/logger.js';

export interface CapturedLog {
  readonly logger: Logger;
  /** Everything logged so far, JSON lines as written. */
  text(): string;
}

export function captureLog(level: LevelWithSilent = 'debug'): CapturedLog {
  const chunks: Buffer[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level, destination }), text: () => Buffer.concat(chunks).toString('utf8') };
}
