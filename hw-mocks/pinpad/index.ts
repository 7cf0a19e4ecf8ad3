/** The virtual VeriFone PIN pad and its keys. */
export { VirtualPinPad, createVirtualPinPad, type VirtualPinPadOptions } from './virtual-pinpad.js';
export { simulationPinpadKeys, x924PinpadKeys, initialKeyBlock, X924_TEST_KEYS, type PinpadKeyMaterial } from './pinpad-keys.js';
