/**
 * Until `HID_ERRORS` is merged into the catalog (src/util/error-codes/index.ts,
 * the lead's file), tests add it at run time so `new PosError('HID_…')` finds
 * its kind. Once merged this is a no-op.
 */
import { ERROR_CODES } from '../../../src/util/error-codes/index.js';
import { HID_ERRORS } from '../../../src/util/error-codes/hid.js';

const catalog = ERROR_CODES as Record<string, { kind: string; summary: string }>;
for (const [code, spec] of Object.entries(HID_ERRORS)) catalog[code] ??= spec;
