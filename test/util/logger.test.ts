import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { Sensitive } from '../../src/util/sensitive.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('logger', () => {
  it('writes no sensitive field in clear, at any usual depth, and masks Sensitive values', () => {
    const out = capture();
    const log = createLogger({ level: 'debug', destination: out.stream });
    log.debug({ pan: '4111111111111111', req: { track2: '4111111111111111=30121010000000000', de52: 'AB12' } }, 'raw fields');
    log.info({ card: { maskedPan: Sensitive.pan('5555555555554444') } }, 'wrapped');
    log.info({ a: { b: { c: { key: '0123456789ABCDEF' } } } }, 'deep');
    const text = out.text();
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain('5555555555554444');
    expect(text).not.toContain('0123456789ABCDEF');
    expect(text).toContain('555555******4444');
    expect(text.match(/\[redacted\]/g)?.length).toBe(4);
  });
});
