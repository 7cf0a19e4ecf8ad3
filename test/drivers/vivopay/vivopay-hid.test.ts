/** The NEO 2 driver over the in-memory HID pair: report ID 0x01, padded reports, the virtual NEO 2 behind them — its 61-02 crossing the same reports. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHidMemoryPair } from '../../../drivers/transport/hid-memory.js';
import { createVivopayReader, VIVOPAY_HID_REPORT_BYTES, vivopayOverHid, type VivopayReader, type VivopayReaderOptions } from '../../../drivers/vivopay/index.js';
import { createVirtualVivopay, type VirtualVivopay } from '../../../hw-mocks/vivopay/virtual-vivopay.js';
import { deckCard, REQUEST } from '../reader-harness.js';
import { vivopayHidDeviceStream } from './hid-device-stream.js';

/** The driver and the virtual NEO 2 on an in-memory HID pair; `reports` collects the driver's output reports. */
function overHid(options: VivopayReaderOptions = {}): { reader: VivopayReader; device: VirtualVivopay; reports: Buffer[] } {
  // 63 data bytes after the report ID: a 64-byte full-speed report (guide §2.8.2 p42).
  const [host, end] = createHidMemoryPair({ vendorId: 0x1d5f, productId: 0x0100, inputReportBytes: VIVOPAY_HID_REPORT_BYTES, outputReportBytes: VIVOPAY_HID_REPORT_BYTES });
  const reports: Buffer[] = [];
  const device = createVirtualVivopay(vivopayHidDeviceStream(end, reports));
  return { reader: createVivopayReader(vivopayOverHid(host), options), device, reports };
}

async function closeBoth(reader: VivopayReader, device: VirtualVivopay): Promise<void> {
  await reader.close();
  await device.close();
}

describe('ViVOpay over HID reports', () => {
  let reader: VivopayReader;
  let device: VirtualVivopay;
  let reports: Buffer[];
  beforeEach(() => ({ reader, device, reports } = overHid()));
  afterEach(() => closeBoth(reader, device));

  it("ping goes out as the guide's single report: 01 'ViVOtech2' 00 18 01 00 00 B3 CD, zero padded", async () => {
    await reader.ping();
    expect(reports[0]!.subarray(0, 17).toString('hex').toUpperCase()).toBe('015669564F74656368320018010000B3CD');
    expect(reports[0]!.subarray(17).every((b) => b === 0)).toBe(true);
    expect(reports[0]).toHaveLength(1 + VIVOPAY_HID_REPORT_BYTES);
    expect(VIVOPAY_HID_REPORT_BYTES + 1).toBe(64);
  });

  it('a chip read (60-10, 60-11 with the reader’s 61-02) spanning several padded reports reads whole; 60-12 completes', async () => {
    const read = reader.readCard({ ...REQUEST, enterOnlinePin: () => Promise.resolve() }, new AbortController().signal);
    await expect.poll(() => device.waitingForCard).toBe(true);
    device.insert('visa-ok');
    const got = await read;
    expect(got).toMatchObject({ entryMode: 'chip', firstDecision: 'online', onlinePinEntered: true });
    expect(reports.length).toBeGreaterThan(2);
    expect(reports.every((r) => r.length === 1 + VIVOPAY_HID_REPORT_BYTES)).toBe(true);
    expect(got.card.pan.revealText()).toBe(deckCard('visa-ok').pan);
    // Output reports: 60-10, 60-11, the answer to 61-02 (high CRC byte first), 60-12.
    const done = await reader.completeChip({ approved: false, responseCode: '05', issuerTlv: Buffer.alloc(0) }, new AbortController().signal);
    expect(done.decision).toBe('declined');
    expect(reports.map((r) => r.subarray(11, 13).toString('hex'))).toEqual(['6010', '6011', '6100', '6012']);
  });
});

describe('ViVOpay taps over HID reports', () => {
  let reader: VivopayReader;
  let device: VirtualVivopay;
  let reports: Buffer[];
  beforeEach(() => ({ reader, device, reports } = overHid({ contactless: true, cardTimeoutS: 5 })));
  afterEach(() => closeBoth(reader, device));

  it('a tap (02-40) whose online request spans several padded reports reads whole, as a contactless chip read', async () => {
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await expect.poll(() => device.waitingForTap).toBe(true);
    device.tap('visa-contactless');
    expect(await read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online' });
    expect(reports.map((r) => r.subarray(11, 13).toString('hex'))).toEqual(['0240']);
  });
});
