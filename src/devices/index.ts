export type { ByteTransport } from './byte-transport.js';
export type { CardReader, CardRead, ChipRead, ChipCompletion, HostAnswerForCard, ReadRequest, EntryMode, DeviceState } from './card-reader.js';
export type { PinPad, PinEntryRequest, PinEntryResult } from './pin-pad.js';
export type { Display, Screen, ScreenKind } from './display.js';
