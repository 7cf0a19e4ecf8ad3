/**
 * Online PIN in ISO 8583:1987: DE 52, the encrypted PIN block (8 bytes, ISO
 * 9564-1 format 0 under the DUKPT PIN key, ANSI X9.24-1), and DE 53,
 * security related control information, here the 10-byte TDES DUKPT key
 * serial number that names the key.
 *
 * DE 53 must be a binary field of at least 10 bytes in the dialect (binary
 * LLVAR in our dialects); a dialect whose DE 53 cannot carry a KSN refuses
 * the request with `HOST_REQUEST_INVALID` before anything is sent.
 */
import type { PinEntryResult } from '../../devices/pin-pad.js';
import type { Dialect } from '../../iso8583/types.js';
import { PosError } from '../../util/errors.js';

export const PIN_DATA_FIELD = 52;
export const SECURITY_CONTROL_FIELD = 53;
export const TDES_KSN_BYTES = 10;
export const PIN_BLOCK_BYTES = 8;

/** DE 52 and DE 53 for a PIN entry. The PIN block is copied out of its `Sensitive` for the encoder; the caller wipes it. */
export function pinFields(dialect: Dialect, pin: PinEntryResult): { 52: Buffer; 53: Buffer } {
  const spec = dialect.fields[SECURITY_CONTROL_FIELD];
  if (spec === undefined || spec.format !== 'b' || spec.length < TDES_KSN_BYTES) {
    throw new PosError('HOST_REQUEST_INVALID', `Dialect ${dialect.name} cannot carry a KSN in DE 53`, { field: SECURITY_CONTROL_FIELD, reason: 'dialect' });
  }
  if (pin.format !== 'iso0') {
    throw new PosError('HOST_REQUEST_INVALID', 'Only ISO 9564 format 0 PIN blocks under TDES DUKPT go in DE 52', { field: PIN_DATA_FIELD, reason: 'format' });
  }
  if (pin.ksn.length !== TDES_KSN_BYTES) {
    throw new PosError('HOST_REQUEST_INVALID', `The KSN must be ${TDES_KSN_BYTES} bytes`, { field: SECURITY_CONTROL_FIELD, reason: 'length', length: pin.ksn.length });
  }
  const block = pin.pinBlock.reveal();
  if (block.length !== PIN_BLOCK_BYTES) {
    throw new PosError('HOST_REQUEST_INVALID', `The PIN block must be ${PIN_BLOCK_BYTES} bytes`, { field: PIN_DATA_FIELD, reason: 'length', length: block.length });
  }
  return { 52: Buffer.from(block), 53: Buffer.from(pin.ksn) };
}
