/**
 * The PC/SC driver: card readers through pcscd (npm `smartcard`, loaded
 * only when a PC/SC reader is opened or listed). `openPcscSlot` is the part a
 * `CardReader` is built on; its contract is in `pcsc-slot.ts`.
 */
export { openPcscSlot, type CardSession, type PcscSlot, type PcscSlotOptions, type RemovalReason, type SlotState, type SlotStatus } from './pcsc-slot.js';
export { listPcscReaders, type PcscReaderEntry, type PcscReaderListing } from './reader-list.js';
export { exchangeApdu, type RawTransmit } from './procedure-bytes.js';
export type { Disposition, PcscBinding, PcscProtocol } from './pcsc-binding.js';
export { loadSmartcardBinding } from './smartcard-binding.js';
