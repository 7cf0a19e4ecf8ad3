/**
 * Test helpers for the host layer: deck cards as `MagstripeCard`, purchases,
 * a scripted fake host over real TCP, and `isoClient` — the production path to
 * a host (an `Iso8583HostClient` over a `PersistentHostChannel`), and the
 * throwaway PKIs of the mutual-TLS tests.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { makeThrowawayPki, type ThrowawayPki } from '../../hw-mocks/host/tls-certs.js';
import { findCard, loadDeck, type DeckCard } from '../../hw-mocks/cards/deck.js';
import type { MagstripeCard } from '../../src/card/types.js';
import type { EntryMode } from '../../src/devices/card-reader.js';
import { frameMessage, LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { iso8583MatchingReader } from '../../src/host/channels/match-key.js';
import { PersistentHostChannel, type PersistentHostChannelOptions } from '../../src/host/channels/persistent-host-channel.js';
import { Iso8583HostClient } from '../../src/host/iso8583/client.js';
import type { CompletionMessage } from '../../src/host/messages/reversal.js';
import type { CardRequest } from '../../src/host/model.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import type { Dialect } from '../../src/iso8583/types.js';
import type { Logger } from '../../src/log/logger.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { TerminalMacKey } from '../../src/host/keys.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { thrown, thrownOrNone } from '../pos-error.js';

export const DECK = loadDeck();

/** The simulation's terminal MAC key (the TAK every simulator answer is MAC'd under), fresh for each client. */
export function terminalMacKey(): TerminalMacKey {
  const keys = loadSimulationKeys();
  return TerminalMacKey.fromKeyBlock(keys.tdesKbpk, keys.file.terminal.tak.keyBlock);
}

export interface IsoClientOptions {
  /** How long each exchange waits for its answer; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Default the simulation's TAK (`terminalMacKey()`). */
  readonly macKey?: TerminalMacKey;
  readonly dialect?: Dialect;
  readonly logger?: Logger;
  /** More channel options (`onUnmatchedReply`, `connectTimeoutMs`, …). */
  readonly channel?: Partial<PersistentHostChannelOptions<Iso8583Message>>;
  /** How completions go out; default the client's (`advice`). */
  readonly completionMessage?: CompletionMessage;
}

const openClients = new Set<Iso8583HostClient>();

/** The terminal's channel to an ISO 8583 host on 127.0.0.1:`port`: one persistent TCP connection, replies keyed by MTI class + STAN + terminal ID. */
export function isoChannel(port: number, options: Pick<IsoClientOptions, 'dialect' | 'logger' | 'channel'> = {}): PersistentHostChannel<Iso8583Message> {
  return new PersistentHostChannel<Iso8583Message>({
    host: '127.0.0.1',
    port,
    readReply: iso8583MatchingReader(options.dialect ?? iso87ascii),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...options.channel,
  });
}

/**
 * The terminal's path to an ISO 8583 host, as `pos run` builds it: an
 * `Iso8583HostClient` over `isoChannel(port)` (or the channel given), MAC'd
 * under the simulation TAK. `closeIsoClients()` (in `afterEach`) closes every
 * client made here, and with it its channel.
 */
export function isoClient(to: number | PersistentHostChannel<Iso8583Message>, options: IsoClientOptions = {}): Iso8583HostClient {
  const client = new Iso8583HostClient({
    channel: typeof to === 'number' ? isoChannel(to, options) : to,
    timeoutMs: options.timeoutMs ?? 5000,
    macKey: options.macKey ?? terminalMacKey(),
    ...(options.dialect === undefined ? {} : { dialect: options.dialect }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.completionMessage === undefined ? {} : { completionMessage: options.completionMessage }),
  });
  openClients.add(client);
  return client;
}

export async function closeIsoClients(): Promise<void> {
  for (const client of [...openClients]) await client.close();
  openClients.clear();
}

export function deckCard(id: string): DeckCard {
  const card = findCard(DECK, id);
  if (card === undefined) throw new Error(`no deck card ${id}`);
  return card;
}

/** The card a reader would deliver for a deck entry (or for any PAN and expiry). */
export function magstripe(pan: string, expiry = '3012', serviceCode = '101', discretionary = '0000000000'): MagstripeCard {
  return {
    pan: Sensitive.pan(pan),
    expiry: { year: 2000 + Number(expiry.slice(0, 2)), month: Number(expiry.slice(2, 4)) },
    serviceCode,
    brand: 'unknown',
    track2: Sensitive.text('track', `${pan}=${expiry}${serviceCode}${discretionary}`),
  };
}

export function cardOf(id: string): MagstripeCard {
  const c = deckCard(id);
  return magstripe(c.pan, c.expiry, c.serviceCode, c.discretionary);
}

let stan = 0;
export function nextStan(): string {
  stan = (stan % 999_999) + 1;
  return String(stan).padStart(6, '0');
}

export function purchase(card: MagstripeCard, amountMinor: number, more: { stan?: string; entryMode?: EntryMode; at?: Date } = {}): CardRequest {
  return {
    kind: 'purchase',
    stan: more.stan ?? nextStan(),
    at: more.at ?? new Date(Date.UTC(2026, 5, 15, 14, 30, 0)),
    amountMinor,
    currency: '978',
    entryMode: more.entryMode ?? 'swipe',
    card,
    terminalId: 'T0000001',
    merchantId: 'M00000000000001',
  };
}

export interface ScriptedHost {
  readonly port: number;
  /** Request frames received, in order. */
  readonly requests: Buffer[];
  close(): Promise<void>;
}

/** A fake host on 127.0.0.1 that runs `onRequest` for each request frame it receives. */
export async function scriptedHost(onRequest: (frame: Buffer, socket: Socket) => void): Promise<ScriptedHost> {
  const requests: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const framer = new LengthPrefixFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        requests.push(frame);
        onRequest(frame, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export { frameMessage };

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** When the purchases of the message tests are made: 14:30:05 UTC on 15 June 2026. */
export const PURCHASE_AT = new Date(Date.UTC(2026, 5, 15, 14, 30, 5));

/**
 * What every 0200 of `purchase(cardOf('visa-ok'), 1234, { stan: '000123', at: PURCHASE_AT })`
 * carries, as `[field, what, value]`, but DE 22 (its entry mode's) and the PIN
 * and chip fields. DE 12/13 are local time, so they follow the machine's zone.
 */
export const VISA_PURCHASE_FIELDS: readonly [number, string, string][] = [
  [2, 'PAN from the card', '4111111111111111'],
  [3, 'processing code: purchase from default accounts', '000000'],
  [4, 'amount in minor units, n12', '000000001234'],
  [7, 'transmission date and time, UTC MMDDhhmmss', '0615143005'],
  [11, 'STAN', '000123'],
  [12, 'local time hhmmss', `${pad2(PURCHASE_AT.getHours())}${pad2(PURCHASE_AT.getMinutes())}${pad2(PURCHASE_AT.getSeconds())}`],
  [13, 'local date MMDD', `${pad2(PURCHASE_AT.getMonth() + 1)}${pad2(PURCHASE_AT.getDate())}`],
  [14, 'expiry YYMM', '3012'],
  [25, 'POS condition: normal presentment', '00'],
  [35, 'track 2 equivalent data', '4111111111111111=30121010000000000'],
  [41, 'terminal ID', 'T0000001'],
  [42, 'merchant ID', 'M00000000000001'],
  [49, 'currency', '978'],
];

/** The PKI a mutual-TLS test trusts, and a stranger's whose certificates it must refuse. */
export interface TestPkis {
  own: ThrowawayPki;
  stranger: ThrowawayPki;
}

/** Both PKIs made before the calling block's tests (file or `describe`) and removed after them. */
export function throwawayPkis(label: string): TestPkis {
  const pkis = {} as TestPkis;
  beforeAll(() => {
    pkis.own = makeThrowawayPki(label);
    pkis.stranger = makeThrowawayPki(`${label}-stranger`);
  });
  afterAll(() => {
    pkis.own.cleanup();
    pkis.stranger.cleanup();
  });
  return pkis;
}

/** `parse` refuses `text`, a DE 48 of subfields, with HOST_REQUEST_INVALID naming the subfield and why. */
export function expectDe48Refused(parse: (text: string) => unknown, text: string, subfield: string, reason: string): void {
  const error = thrown(() => parse(text));
  expect(error.code).toBe('HOST_REQUEST_INVALID');
  expect(error.details).toMatchObject({ field: 48, subfield, reason });
}

/** `parse` reads `text` as a value or refuses it with HOST_REQUEST_INVALID, nothing else (a fuzz property). */
export function expectDe48ReadOrRefused(parse: (text: string) => unknown, text: string): void {
  const error = thrownOrNone(() => parse(text));
  if (error !== undefined) expect(error.code).toBe('HOST_REQUEST_INVALID');
}
