/** The virtual serial magstripe reader (device side). */
export { VirtualSerialMsr, createVirtualSerialMsr, swipeLine, damagedSwipeLine, CR, type VirtualSerialMsrOptions } from './virtual-serial-msr.js';
