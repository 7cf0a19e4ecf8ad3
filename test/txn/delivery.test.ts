/** Whether a failed request may have reached the host, as the engine and store-and-forward read it (src/host/host-error.ts). */
import { describe, expect, it } from 'vitest';
import { asHostError, deliveryOf, HostError } from '../../src/host/host-error.js';
import { PosError } from '../../src/util/errors.js';

describe('deliveryOf', () => {
  it.each(['not-sent', 'maybe-sent'] as const)('reads a HostError’s own delivery: %s', (delivery) => {
    expect(deliveryOf(new HostError('HOST_UNREACHABLE', 'refused', delivery))).toBe(delivery);
  });

  it.each([
    ['a PosError that is not a HostError', new PosError('HOST_UNREACHABLE', 'refused', { reason: 'connect-failed' })],
    ['a foreign error', new TypeError('a bug')],
    ['a thrown string', 'oops'],
    ['nothing', undefined],
  ])('counts %s as maybe-sent: doubt never approves offline', (_what, err) => {
    expect(deliveryOf(err)).toBe('maybe-sent');
  });
});

describe('asHostError', () => {
  it('keeps a HostError as it is: its delivery is set once', () => {
    const err = new HostError('HOST_TIMEOUT', 'late', 'maybe-sent', { timeoutMs: 10 });
    expect(asHostError(err, 'not-sent', 'test')).toBe(err);
  });

  it('gives a PosError a delivery, keeping its code, kind and details', () => {
    const cause = new PosError('HOST_REQUEST_INVALID', 'field 11', { field: 11 });
    const err = asHostError(cause, 'not-sent', 'test');
    expect(err).toMatchObject({ code: 'HOST_REQUEST_INVALID', kind: 'input', delivery: 'not-sent', details: { field: 11 }, cause });
  });

  it('turns a foreign throw into INTERNAL naming only its class', () => {
    const err = asHostError(new RangeError('secret 4111111111111111'), 'maybe-sent', 'reading');
    expect(err).toMatchObject({ code: 'INTERNAL', delivery: 'maybe-sent', details: { where: 'reading', name: 'RangeError' } });
    expect(JSON.stringify(err) + err.message).not.toContain('4111111111111111');
  });
});

describe('HostError', () => {
  it('is a PosError with the same JSON shape', () => {
    const err = new HostError('HOST_CONNECTION_LOST', 'dropped', 'maybe-sent', { errno: 'ECONNRESET' });
    expect(err).toBeInstanceOf(PosError);
    expect(err.toJSON()).toEqual(new PosError('HOST_CONNECTION_LOST', 'dropped', { errno: 'ECONNRESET' }).toJSON());
  });
});
