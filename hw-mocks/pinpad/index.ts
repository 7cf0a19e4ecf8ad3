/** The virtual VeriFone PIN pad and its keys. */
export { VirtualPinPad, createVirtualPinPad, VIRTUAL_PINPAD_PROMPTS, VIRTUAL_PINPAD_TIP_PROMPT, type VirtualPinPadOptions } from './virtual-pinpad.js';
export { simulationPinpadKeys, x924PinpadKeys, initialKeyBlock, X924_TEST_KEYS, type PinpadKeyMaterial } from './pinpad-keys.js';
