/** The MagTek USB HID swipe reader driver (standard and encrypting layouts). */
import { openHidTransport } from '../transport/hid-node-transport.js';
import type { NodeHidModule } from '../transport/hid-library.js';
import { createMagtekHidReader, type MagtekHidOptions, type MagtekHidReader } from './magtek-hid-reader.js';
import { MAGTEK_VENDOR_ID } from './report-layout.js';

export { MagtekHidReader, createMagtekHidReader, swipeLineOf, type MagtekHidOptions, type MagtekSwipe } from './magtek-hid-reader.js';
export { cardReadOf, encryptedSwipeOf, type EncryptedSwipe } from './encrypted-swipe.js';
export { parseMagtekReport, MAGTEK_REPORT_LENGTHS, type MagtekReport, type StandardReport, type EncryptingReport, type TrackRead } from './report-parser.js';
export * from './report-layout.js';

/** MagTek's HID readers put their card data on a vendor-defined usage page. */
export const MAGTEK_USAGE_PAGE = 0xff00;
/** Feature reports carry commands: 24 bytes (99875191 §4 "Commands"). */
export const MAGTEK_FEATURE_REPORT_BYTES = 24;

/**
 * Opens the reader by vendor/product ID (node-hid loaded on first use) and
 * returns the driver: what `src/app/` calls for `reader.type = magtek-hid`.
 */
export async function openMagtekHidReader(
  config: { readonly vendorId?: number; readonly productId: number; readonly layout?: MagtekHidOptions['layout'] },
  options: Omit<MagtekHidOptions, 'layout'> = {},
  library?: NodeHidModule,
): Promise<MagtekHidReader> {
  const transport = await openHidTransport(
    { vendorId: config.vendorId ?? MAGTEK_VENDOR_ID, productId: config.productId, featureReportBytes: MAGTEK_FEATURE_REPORT_BYTES },
    library,
  );
  return createMagtekHidReader(transport, { ...options, ...(config.layout === undefined ? {} : { layout: config.layout }) });
}
export { magtekCommand, magtekSoftwareId, MAGTEK_COMMANDS, MAGTEK_PROPERTIES, MAGTEK_RESULT_SUCCESS } from './commands.js';
