/** The virtual NEO 2 reader (ViVOpay protocol 2): the guide's contact EMV flow over the APDU-level chip cards. */
export { VirtualVivopay, createVirtualVivopay, type VirtualVivopayOptions } from './virtual-vivopay.js';
export { CommandFramer, encodeResponse, encodeReaderCommand, crc16, type ReceivedFrame } from './command-framer.js';
export { ReaderKernelSession, type ReaderKernelSetup, type ReaderEnvironment, type PinOutcome } from './reader-kernel.js';
export { defaultReaderKernel, DEFAULT_READER_CONFIG } from './default-reader-kernel.js';
export { loadConfigurationStore, type ConfigurationCommands, type ConfigurationFrame, type ConfigurationAnswer } from './configuration-commands.js';
export { msrDataBlock } from './msr-data.js';
export { displayData, pinControlData } from './reader-callbacks.js';
