/** Customer displays (20×2 VFD) on a serial line: CD5220 and Epson ESC/POS command sets; config, defaults and opening are `kind.ts`. */

export { VfdDisplay, createVfdDisplay, type VfdDisplayOptions } from './vfd-display.js';
export { screenLines, centre, encodeLine, renderLines, renderScreen, initSequence } from './vfd-render.js';
export * from './command-sets.js';
