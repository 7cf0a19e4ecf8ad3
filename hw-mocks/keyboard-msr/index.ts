/** The virtual keyboard-emulation magstripe reader (device side). */
export { VirtualKeyboardMsr, createVirtualKeyboardMsr, typeReports, rolloverReport, keyboardSwipeLine, keyFor, KEYBOARD_TWIN_IDS, type TypingStyle } from './virtual-keyboard-msr.js';
