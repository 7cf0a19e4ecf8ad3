/** The virtual NEO 2 on an in-memory wire, with every frame it sends collected as a terminal's framer reads it. */
import { createMemoryTransportPair, type MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import { VivopayFramer, type VivopayFrame } from '../../../drivers/vivopay/framer.js';
import { createVirtualVivopay, type VirtualVivopay, type VirtualVivopayOptions } from '../../../hw-mocks/vivopay/virtual-vivopay.js';

export interface TwinWire {
  readonly terminal: MemoryTransport;
  readonly twin: VirtualVivopay;
  /** What the twin sent, in order; filled as it arrives. */
  readonly frames: VivopayFrame[];
}

/** A fixed clock, so the twin's dates (9A, 9F21) are the same in every run. */
export const TWIN_CLOCK = (): Date => new Date('2026-03-14T09:26:53Z');

export function openTwinWire(options: VirtualVivopayOptions = {}): TwinWire {
  const [terminal, device] = createMemoryTransportPair({ host: 'mem:terminal', device: 'mem:neo2' });
  const frames: VivopayFrame[] = [];
  const framer = new VivopayFramer({ maxFrameBytes: 4096, interByteTimeoutMs: 200, onTimeout: () => undefined, crcOrder: 'either' });
  terminal.onData((chunk) => {
    for (const e of framer.push(chunk)) if (e.type === 'frame') frames.push(e.frame);
  });
  return { terminal, twin: createVirtualVivopay(device, { clock: TWIN_CLOCK, ...options }), frames };
}
