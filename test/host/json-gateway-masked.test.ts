import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { JsonGatewayClient } from '../../src/host/json-gateway/json-gateway-client.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { rejection } from '../pos-error.js';

describe('HTTPS JSON gateway and an encrypting reader', () => {
  it('refuses a masked card before anything is sent: the JSON profile cannot carry the track block', async () => {
    let connections = 0;
    const server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const client = new JsonGatewayClient({ url: `https://127.0.0.1:${port}`, timeoutMs: 1000 });
    const err = await rejection(
      client.authorize({
        kind: 'purchase',
        stan: '000001',
        at: new Date('2026-11-24T12:00:00Z'),
        amountMinor: 100,
        currency: '978',
        entryMode: 'swipe',
        terminalId: 'T0000001',
        merchantId: 'M00000000000001',
        card: {
          pan: Sensitive.pan('411111******1111'),
          panMasked: true,
          expiry: { year: 2030, month: 12 },
          serviceCode: '101',
          brand: 'visa',
          track2: Sensitive.text('track', '411111******1111=3012101'),
        },
      }),
    );
    await client.close();
    await new Promise<void>((r) => server.close(() => r()));
    expect(err).toMatchObject({ code: 'HOST_REQUEST_INVALID', delivery: 'not-sent', details: { reason: 'encrypted-reader' } });
    expect(connections).toBe(0);
  });
});
