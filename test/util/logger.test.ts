import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, LOG_LEVELS, logLevelFromEnv } from '../../src/log/logger.js';
import { thrown } from '../pos-error.js';
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

describe('POS_LOG_LEVEL', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each(LOG_LEVELS.map((level) => [level]))('%s is taken, and wins over the configured level', (level) => {
    expect(logLevelFromEnv({ POS_LOG_LEVEL: level })).toBe(level);
    vi.stubEnv('POS_LOG_LEVEL', level);
    expect(createLogger({ level: 'info', destination: capture().stream }).level).toBe(level);
  });

  it('unset or empty leaves the configured level', () => {
    expect(logLevelFromEnv({})).toBeUndefined();
    expect(logLevelFromEnv({ POS_LOG_LEVEL: '' })).toBeUndefined();
    vi.stubEnv('POS_LOG_LEVEL', '');
    expect(createLogger({ level: 'warn', destination: capture().stream }).level).toBe('warn');
  });

  it.each([['warning'], ['verbose'], ['DEBUG'], [' info'], ['30']])('%j is refused with CONFIG_ENV_INVALID, not ignored', (value) => {
    vi.stubEnv('POS_LOG_LEVEL', value);
    const error = thrown(() => createLogger({ level: 'info', destination: capture().stream }));
    expect(error.code).toBe('CONFIG_ENV_INVALID');
    expect(error.kind).toBe('config');
    expect(error.details).toEqual({ variable: 'POS_LOG_LEVEL', allowed: [...LOG_LEVELS] });
  });

  it('any other text is refused', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => s !== '' && !(LOG_LEVELS as readonly string[]).includes(s)),
        (value) => {
          expect(thrown(() => logLevelFromEnv({ POS_LOG_LEVEL: value })).code).toBe('CONFIG_ENV_INVALID');
        },
      ),
    );
  });
});
