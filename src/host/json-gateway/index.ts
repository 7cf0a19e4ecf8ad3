/** The HTTPS JSON gateway profile: its wire format, the `HostClient` over axios, and building it from config. */
export {
  DEFAULT_GATEWAY_BACKOFF,
  DEFAULT_GATEWAY_RETRIES,
  JsonGatewayClient,
  type GatewayReversalResponse,
  type GatewayTls,
  type JsonGatewayClientOptions,
} from './json-gateway-client.js';
export { gatewayTlsFromFiles, jsonGatewayFromConfig, type JsonGatewayConfig, type JsonGatewayExtras } from './from-config.js';
export {
  AUTHORIZATIONS_PATH,
  authorizationRequestSchema,
  authorizationResponseSchema,
  IDEMPOTENCY_HEADER,
  idempotencyKey,
  REPLAYED_HEADER,
  REVERSALS_PATH,
  reversalRequestSchema,
  reversalResponseSchema,
  utcDay,
  type AuthorizationRequestBody,
  type AuthorizationResponseBody,
  type ErrorBody,
  type ReversalRequestBody,
  type ReversalResponseBody,
} from './wire.js';
