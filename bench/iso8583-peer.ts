/**
 * The `iso_8583` npm package, the peer our ISO 8583 codec is checked and
 * measured against (its README: `new iso8583(data, customFormats)
 * .getRawMessage()` packs, `getIsoJSON(buffer, { lenHeader: false })`
 * unpacks). Typed here for the bench and the interop test alike.
 */
import { createRequire } from 'node:module';

/** One entry of its field table, as `customFormats` takes it. */
export interface PeerFormat {
  ContentType: string;
  Label: string;
  LenType: string;
  MaxLen: number;
}

export interface PeerMessage {
  getRawMessage(): Buffer | { error: string };
  getIsoJSON(buffer: Buffer, config: { lenHeader: boolean }): Record<string, string> | { error: string };
}

type PeerCtor = new (data?: Record<string, string>, formats?: Record<string, PeerFormat>) => PeerMessage;

export const Peer = createRequire(import.meta.url)('iso_8583') as PeerCtor;

/** Its table sizes the MAC in hex characters as 8 (4 bytes); ISO 8583:1987 says 8 bytes. */
export const PEER_MAC_FORMAT: PeerFormat = { ContentType: 'b', Label: 'MAC', LenType: 'fixed', MaxLen: 16 };
