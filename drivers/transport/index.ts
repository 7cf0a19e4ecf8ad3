/** Transports: how a driver's bytes reach a device. Only `src/app/` chooses one. */
export { openSerialTransport, type SerialTransportOptions, type SerialBinding } from './serial-transport.js';
export { createMemoryTransportPair, type MemoryTransport, type MemoryPairNames } from './memory-transport.js';
