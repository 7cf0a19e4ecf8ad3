/**
 * What the reader-configuration tests share: the virtual NEO 2's
 * configuration store served on the device end of a transport (commands
 * framed as a reader receives them, CRC low byte first; answers as the store
 * builds them), and the terminal configurations they sync.
 */
import { VivopayFramer } from '../../../../drivers/vivopay/framer.js';
import { readerConfigurationOf, type ReaderConfiguration } from '../../../../drivers/vivopay/configuration/index.js';
import { answerConfigurationCommand, type ConfigurationStore } from '../../../../hw-mocks/vivopay/configuration-store.js';
import { kernelConfigOf } from '../../../../src/app/chip-kernel.js';
import { parseConfig } from '../../../../src/config/load.js';
import type { ByteTransport } from '../../../../src/devices/byte-transport.js';

export interface ServeOptions {
  /** Answers a command in place of the store (undefined: the store answers); for corrupt and mute readers. */
  readonly intercept?: (command: number, subCommand: number, answer: Buffer | undefined) => Buffer | 'mute' | undefined;
}

/** The store answering on `deviceEnd`; returns the detach function. Unknown commands get status 02 (unknown command). */
export function serveStore(deviceEnd: ByteTransport, store: ConfigurationStore, options: ServeOptions = {}): () => void {
  const framer = new VivopayFramer({ maxFrameBytes: 4096, interByteTimeoutMs: 200, onTimeout: () => undefined, crcOrder: 'lsb-first' });
  const off = deviceEnd.onData((chunk) => {
    for (const event of framer.push(chunk)) {
      if (event.type !== 'frame') continue;
      const { command, status: subCommand, data } = event.frame;
      const answer = answerConfigurationCommand(store, { command, subCommand, data });
      const sent = options.intercept?.(command, subCommand, answer) ?? answer;
      if (sent === 'mute') continue;
      void deviceEnd.write(sent ?? unknownCommand(command));
    }
  });
  return () => {
    off();
    framer.dispose();
  };
}

function unknownCommand(command: number): Buffer {
  // Built by hand: the store answers only configuration commands.
  const body = Buffer.concat([Buffer.from('ViVOtech2\0', 'latin1'), Buffer.from([command, 0x02, 0x00, 0x00])]);
  let crc = 0xffff;
  for (const byte of body) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return Buffer.concat([body, Buffer.from([crc >> 8, crc & 0xff])]);
}

const BASE = {
  devices: { reader: { type: 'virtual' } },
  host: { type: 'simulator' },
  terminal: { id: 'TERM0001', merchantId: 'MERCHANT0000001', country: '250' },
} as const;

/** A terminal configuration (the defaults and the published test CA keys, plus `emv`) as the reader should hold it. */
export function desiredOf(emv: Record<string, unknown> = {}): ReaderConfiguration {
  const config = parseConfig({ ...BASE, emv: { capkSets: ['emv-test'], ...emv } });
  return readerConfigurationOf(kernelConfigOf(config), config.emv.aids);
}

/** Commands the store received, by `CC-SS`, that change it (not the reads). */
export function writesIn(store: ConfigurationStore): string[] {
  const writes = new Set(['60-02', '60-03', '60-05', '60-06', '60-09', '60-0A', '04-00', '04-02', '04-03', '04-04', '04-05']);
  return [...store.received.keys()].filter((k) => writes.has(k));
}
