/**
 * The small shared set of error kinds every code maps to:
 * - `input`: the bytes or values handed in are malformed (a codec's answer).
 * - `protocol`: a peer (device or host) broke its protocol.
 * - `disconnected`, `timeout`, `cancelled`, `busy`, `io`: the world misbehaved.
 * - `config`: the configuration cannot be used.
 * - `state`: the operation is not allowed now.
 */
export type ErrorKind = 'input' | 'protocol' | 'disconnected' | 'timeout' | 'cancelled' | 'busy' | 'io' | 'config' | 'state';

export interface ErrorSpec {
  readonly kind: ErrorKind;
  readonly summary: string;
}
