/** USB HID transports: the report contract, node-hid (lazy), the in-memory pair and the byte-stream adapter. */
export type { HidReportTransport, HidInputReport, HidDeviceIdentity, HidReportSizes } from './hid-report-transport.js';
export { REPORT_ID_BYTES, UNNUMBERED_REPORT_ID } from './hid-report-transport.js';
export { frameOutgoingReport, splitIncomingReport } from './hid-report-codec.js';
export { loadNodeHid, libraryUnavailable, HID_SYSTEM_PACKAGES, type NodeHidModule, type NodeHidDeviceInfo, type NodeHidHandle, type NodeHidImporter } from './hid-library.js';
export { openHidTransport, pickDevice, hidDescription, hex4, type HidTransportOptions } from './hid-node-transport.js';
export { createHidMemoryPair, type HidMemoryPairOptions, type HidMemoryDeviceEnd, type HidMemoryHostEnd, type HidDeviceSideReport } from './hid-memory.js';
export { hidAsByteTransport, HID_STREAM_FRAMINGS, type HidStreamFraming, type HidStreamFramingName, type HidByteAdapterOptions } from './hid-byte-adapter.js';
