/**
 * Payment cryptography on node:crypto: DUKPT (TDES and AES), ISO 9564 PIN
 * blocks, ISO 9797-1 and CMAC MACs, EMV session keys and cryptograms, key
 * check values, parity and TR-31 key blocks. Pure functions over bytes: no
 * I/O, no clock; randomness is passed in. Keys are Buffers the caller wipes.
 */
export * from './cipher/aes.js';
export * from './cipher/des.js';
export * from './cipher/tdes-key.js';
export * from './dukpt/aes.js';
export * from './dukpt/tdes.js';
export * from './dukpt/tdes-ksn.js';
export * from './dukpt/tdes-originator.js';
export * from './emv/card-master-key.js';
export * from './emv/cryptogram.js';
export * from './emv/session-key.js';
export * from './keys/kcv.js';
export * from './keys/parity.js';
export * from './mac/cmac.js';
export * from './mac/iso9797.js';
export * from './mac/padding.js';
export * from './mac/retail-mac-key.js';
export * from './pin-block/digits.js';
export * from './pin-block/encrypt.js';
export * from './pin-block/iso-0-1-3.js';
export * from './pin-block/iso-4.js';
export * from './tr31/header.js';
export * from './tr31/key-block.js';
