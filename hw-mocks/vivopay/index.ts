/** The virtual ViVOpay reader (protocol 2) with virtual chip cards. */
export { VirtualVivopay, createVirtualVivopay, TWIN_COMMANDS, TWIN_STATUS, type VirtualVivopayOptions } from './virtual-vivopay.js';
export { CommandFramer, encodeResponse, crc16 } from './command-framer.js';
