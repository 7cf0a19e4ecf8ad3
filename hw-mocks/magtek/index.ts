/** The virtual MagTek USB HID swipe reader (device side). */
export { VirtualMagtekReader, createVirtualMagtekReader, MAGTEK_TWIN_IDS, type VirtualMagtekOptions } from './virtual-magtek-reader.js';
export { standardReport, encryptingReport, maskTrack, cardTracks, STANDARD_REPORT_BYTES, ENCRYPTING_REPORT_BYTES } from './report-builder.js';
export { TWIN_BDK_HEX, TWIN_INITIAL_KSN_HEX, simulationMagtekKeys } from './twin-keys.js';
