/** The VeriFone PINpad 1000SE / IPP serial PIN pad driver; its config, defaults and opening are `kind.ts`. */

export { VerifonePinPad, createVerifonePinPad, type VerifonePinPadOptions } from './verifone-pinpad.js';
export { VerifoneFramer, VERIFONE_DEFAULT_MAX_FRAME_BYTES, VERIFONE_DEFAULT_INTER_BYTE_TIMEOUT_MS, type VerifoneFramerEvent, type VerifoneFramerOptions } from './framer.js';
export { VERIFONE_PACKETS, PIN_ERROR_CODES, PROMPT_STATUS, KEY_CODES, KEY_TIMEOUT_SECONDS, TEST_PACKET_PIN, STX, ETX, SI, SO, ACK, NAK, EOT, FS, SUB, GS, lrc, encodePacket, type KeyCode } from './protocol.js';
