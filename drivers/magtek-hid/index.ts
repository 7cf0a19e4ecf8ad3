/** The MagTek USB HID swipe reader driver (standard and encrypting layouts); config, IDs and opening are `kind.ts`. */

export { MagtekHidReader, createMagtekHidReader, swipeLineOf, type MagtekHidOptions, type MagtekSwipe } from './magtek-hid-reader.js';
export { cardReadOf, encryptedSwipeOf, type EncryptedSwipe } from './encrypted-swipe.js';
export { parseMagtekReport, MAGTEK_REPORT_LENGTHS, type MagtekReport, type StandardReport, type EncryptingReport, type TrackRead } from './report-parser.js';
export * from './report-layout.js';

/** MagTek's HID readers put their card data on a vendor-defined usage page. */
export const MAGTEK_USAGE_PAGE = 0xff00;
export { magtekCommand, magtekSoftwareId, MAGTEK_COMMANDS, MAGTEK_PROPERTIES, MAGTEK_RESULT_SUCCESS } from './commands.js';
