export type { ByteTransport } from './byte-transport.js';
export type { CardReader, CardRead, ReadRequest, EntryMode, DeviceState } from './card-reader.js';
export type { Display, Screen, ScreenKind } from './display.js';
