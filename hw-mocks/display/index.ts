/** The virtual customer display (device side). */
export { VirtualVfd, attachVirtualVfd, waitForLines, type VirtualVfdEmulation } from './virtual-vfd.js';
