/** Host channels and the ISO 8583 host client. */
export type { AuthorizationResponse, HostClient, HostState, PurchaseRequest } from './model.js';
export type { ExchangeOptions, HostChannel, ReplyReader } from './host-channel.js';
export type { OnUnanswered, UnansweredRequest } from './unanswered-request.js';
export { DEFAULT_MAX_FRAME_BYTES, frameMessage, LENGTH_HEADER_BYTES, LengthPrefixFramer } from './length-prefix-framer.js';
export { TcpHostChannel, type TcpHostChannelOptions } from './tcp-host-channel.js';
export { Iso8583HostClient, iso8583ReplyReader, type Iso8583HostClientOptions, type Iso8583TcpOptions } from './iso8583-host-client.js';
export { encodePurchaseRequest, ENTRY_MODE_CODES, readPurchaseResponse } from './purchase-message.js';
