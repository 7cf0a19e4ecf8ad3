/**
 * Personalisation: a card profile (`card-profile.ts`), a deck card and its
 * issuer master key, and — for offline data authentication — a simulation
 * CA, made into what an `EmvChipCard` holds: each application's data
 * objects, DOLs and keys.
 *
 *   deck card      5A PAN, 57 track 2 equivalent (service code 2xx), 5F20 name,
 *                  5F24 expiry (the month's last day), 5F30 service code; 5F34 from the profile
 *   profile        every other data object, the record layout, 82, 94 (from `afl`)
 *   keys           MK_AC by option A (Book 2 A1.4.1) from the issuer master key; MK_SMI from its variant
 *   CA (ODA)       an issuer key certified by the CA whose RID is the AID's, then
 *                  8F, 90, 92, 9F32 and — SDA — 93 over the static data, or — DDA/CDA —
 *                  an ICC key and 9F46, 9F47, 9F48 hashing the static data
 *
 * The static data to be authenticated (Book 3 §10.3, Book 2 §5.4): the
 * records the AFL marks — for SFI 1–10 the value of each record's 70
 * template, for SFI 11–30 the whole record — followed by the values of the
 * tags 9F4A lists. A record marked for ODA cannot hold an object ODA makes.
 * Every check here throws `INTERNAL` naming the profile's field: a profile
 * that cannot make a consistent card is a defect of the profile.
 */
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { encodeOne } from '../../src/emv/ber-tlv.js';
import { parseDol, type DolEntry } from '../../src/emv/dol.js';
import { wipe } from '../../src/util/bytes.js';
import { PosError, type ErrorDetails } from '../../src/util/errors.js';
import { fromLooseHex } from '../../src/util/hex.js';
import { findCard, loadDeck, type Deck, type DeckCard } from '../cards/deck.js';
import type { SimulationKeys } from '../keys/simulation-keys.js';
import { loadCardProfile, type ApplicationProfile, type CardProfile } from './card-profile.js';
import { CRYPTOGRAM_VERSIONS, type CryptogramVersion } from './cryptogram-versions.js';
import { issuerMasterKeyFor } from './issuer-keys.js';
import { smiMasterKey } from './issuer-script.js';
import { issueIccCertificate, issueIssuerCertificate, signStaticApplicationData, type IssuerCertificate, type RsaKeyPair, type SimulationCa } from './simulation-ca.js';

export interface PersonaliseOptions {
  /** A profile, or the name of a shipped one (`hw-mocks/chip-card/profiles/<name>.json`). */
  readonly profile: CardProfile | string;
  /** The deck card the chip carries; default the profile's `card` from `deck`. */
  readonly card?: DeckCard;
  /** Default: the project's deck. */
  readonly deck?: Deck;
  /** Default: the keys file's issuer master key for the deck card. */
  readonly issuerMasterKey?: Uint8Array;
  readonly keys?: SimulationKeys;
  /** The CA certifying ODA (several: chosen by the AID's RID); required when an application names ODA. */
  readonly ca?: SimulationCa | readonly SimulationCa[];
}

/** One application as the card holds it. */
export interface ApplicationImage {
  readonly profile: ApplicationProfile;
  readonly aid: Buffer;
  /** Every data object the application has, by tag (upper-case hex). */
  readonly data: ReadonlyMap<string, Buffer>;
  readonly pdol: readonly DolEntry[];
  readonly cdol1: readonly DolEntry[];
  readonly cdol2: readonly DolEntry[];
  /** 9F49, when the card has one: INTERNAL AUTHENTICATE then takes exactly its data. */
  readonly ddol: readonly DolEntry[] | undefined;
  readonly version: CryptogramVersion;
  /** The ICC private key for DDA and CDA. */
  readonly iccKey: RsaKeyPair | undefined;
  /** MK_AC (option A). */
  readonly masterKey: Buffer;
  /** MK_SMI for issuer script MACs. */
  readonly smiMasterKey: Buffer;
}

export interface CardImage {
  readonly profile: CardProfile;
  readonly atr: Buffer;
  readonly pan: string;
  readonly psn: string;
  readonly deckCardId: string;
  readonly applications: readonly ApplicationImage[];
}

/** Tags the builder makes for ODA. */
const ODA_TAGS: ReadonlySet<string> = new Set(['8F', '90', '92', '9F32', '9F46', '9F47', '9F48', '93']);
/** A remainder may be absent when the certificate holds the whole modulus (Book 2 §5.3, §6.3). */
const OPTIONAL_WHEN_EMPTY: ReadonlySet<string> = new Set(['92', '9F48']);
const TEMPLATE_RECORD = '70';
/** A record must fit one short response APDU. */
const MAX_RECORD_BYTES = 256;
const MAX_ICC_KEY_BITS = 1024;
/** The CDOL1 lengths the cryptogram data needs (Book 2 §8.1.1). */
const CRYPTOGRAM_DOL_LENGTHS: Readonly<Record<string, number>> = { '9F02': 6, '9F03': 6, '9F1A': 2, '95': 5, '5F2A': 2, '9A': 3, '9C': 1, '9F37': 4 };

/** Personalises a card image from a profile. */
export function personalise(options: PersonaliseOptions): CardImage {
  const profile = typeof options.profile === 'string' ? loadCardProfile(options.profile) : options.profile;
  return withIssuerKey(options, profile.card, ({ card, imk, cas }) => {
    const applications = profile.applications.map((app, index) => personaliseApplication(app, index, { profile, card, imk, cas }));
    return { profile, atr: checkedAtr(fromLooseHex(profile.atr, 'atr')), pan: card.pan, psn: profile.psn, deckCardId: card.id, applications };
  });
}

interface Inputs {
  readonly profile: CardProfile;
  readonly card: DeckCard;
  readonly imk: Buffer;
  readonly cas: readonly SimulationCa[];
}

function personaliseApplication(app: ApplicationProfile, index: number, inputs: Inputs): ApplicationImage {
  const where = `applications.${index}`;
  const aid = fromLooseHex(app.aid, `${where}.aid`);
  if (aid.length < 5 || aid.length > 16) throw defect(`${where}.aid`, 'An AID is 5 to 16 bytes');
  const data = new Map<string, Buffer>(deckCardData(inputs.card, inputs.profile.psn));
  for (const [tag, hex] of Object.entries(app.data)) data.set(tag, fromLooseHex(hex, `${where}.data.${tag}`));
  const aip = fromLooseHex(app.aip, `${where}.aip`);
  if (aip.length !== 2) throw defect(`${where}.aip`, 'The AIP is 2 bytes');
  data.set('82', aip);
  data.set('94', Buffer.from(app.afl.flatMap((e) => [e.sfi << 3, e.first, e.last, e.oda])));
  data.set('84', aid);

  const cdol1 = requiredDol(data, '8C', where);
  const cdol2 = requiredDol(data, '8D', where);
  for (const [tag, length] of Object.entries(CRYPTOGRAM_DOL_LENGTHS)) {
    if (!cdol1.some((e) => e.tag === tag && e.length === length)) throw defect(`${where}.data.8C`, `CDOL1 must ask for ${tag} (${length} bytes): the cryptogram covers it`);
  }
  if (!cdol2.some((e) => e.tag === '8A' && e.length === 2)) throw defect(`${where}.data.8D`, 'CDOL2 must ask for 8A (2 bytes)');
  const pdolBytes = app.pdol === undefined ? undefined : fromLooseHex(app.pdol, `${where}.pdol`);
  if (pdolBytes !== undefined) data.set('9F38', pdolBytes);
  const pdol = pdolBytes === undefined ? [] : parseDol(pdolBytes);

  checkRecordLayout(app, where);
  const odaAip = { sda: ((aip[0] as number) & 0x40) !== 0, dda: ((aip[0] as number) & 0x20) !== 0, cda: ((aip[0] as number) & 0x01) !== 0 };
  const methods = new Set(app.oda?.methods ?? []);
  for (const method of ['sda', 'dda', 'cda'] as const) {
    if (methods.has(method) !== odaAip[method]) throw defect(`${where}.oda`, `The AIP and oda.methods disagree on ${method.toUpperCase()}`);
  }

  let iccKey: RsaKeyPair | undefined;
  if (app.oda !== undefined) iccKey = certify(app, where, aid, data, inputs);
  for (const record of app.records) {
    for (const tag of record.tags) {
      if (!data.has(tag) && !OPTIONAL_WHEN_EMPTY.has(tag)) throw defect(`${where}.records`, `Record ${record.sfi}/${record.record} names ${tag}, which the card does not have`);
    }
    if (recordBytes(record.tags, data).length > MAX_RECORD_BYTES) throw defect(`${where}.records`, `Record ${record.sfi}/${record.record} does not fit one response`);
  }

  const version = CRYPTOGRAM_VERSIONS[app.cryptogramVersion];
  return {
    profile: app,
    aid,
    data,
    pdol,
    cdol1,
    cdol2,
    ddol: data.has('9F49') ? parseDol(data.get('9F49') as Buffer) : undefined,
    version,
    iccKey,
    masterKey: deriveCardMasterKey(inputs.imk, inputs.card.pan, inputs.profile.psn, 'A'),
    smiMasterKey: smiMasterKey(inputs.imk, inputs.card.pan, inputs.profile.psn),
  };
}

/** A record: 70 L [the named data objects, in order]; a remainder that is empty is left out. */
export function recordBytes(tags: readonly string[], data: ReadonlyMap<string, Buffer>): Buffer {
  const children = tags.flatMap((tag) => {
    const value = data.get(tag);
    return value === undefined ? [] : [{ tag, value }];
  });
  return encodeOne({ tag: TEMPLATE_RECORD, children });
}

/** The AFL's records all exist, no record is defined twice, and no record marked for ODA holds an ODA object. */
function checkRecordLayout(app: ApplicationProfile, where: string): void {
  const defined = new Set<string>();
  for (const r of app.records) {
    const key = `${r.sfi}/${r.record}`;
    if (defined.has(key)) throw defect(`${where}.records`, `Record ${key} is defined twice`);
    defined.add(key);
  }
  for (const entry of app.afl) {
    for (let n = entry.first; n <= entry.last; n++) {
      const record = app.records.find((r) => r.sfi === entry.sfi && r.record === n);
      if (record === undefined) throw defect(`${where}.afl`, `The AFL names record ${entry.sfi}/${n}, which records does not define`);
      if (n < entry.first + entry.oda && record.tags.some((t) => ODA_TAGS.has(t))) throw defect(`${where}.afl`, `Record ${entry.sfi}/${n} is marked for ODA and holds an ODA object`);
    }
  }
}

/** Issues the certificates (and for SDA the signature) and puts their objects into `data`; the ICC key for DDA/CDA. */
function certify(app: ApplicationProfile, where: string, aid: Buffer, data: Map<string, Buffer>, inputs: Inputs): RsaKeyPair | undefined {
  const oda = app.oda;
  if (oda === undefined) return undefined;
  const rid = aid.subarray(0, 5);
  const ca = inputs.cas.find((c) => c.rid.equals(rid));
  if (ca === undefined) throw defect(`${where}.oda`, `ODA needs a simulation CA with RID ${rid.toString('hex').toUpperCase()}`);
  const staticData = staticDataToAuthenticate(app, data, where);
  const issuerBits = oda.issuerKeyBits ?? ca.key.modulus.length * 8;
  const issuer = issuerCertificateFor(ca, { issuerIdentifier: inputs.card.pan.slice(0, 6), expiry: oda.certificateExpiry, modulusBits: issuerBits, ...(oda.issuerDefect === undefined ? {} : { defect: oda.issuerDefect }) });
  data.set('8F', Buffer.from([ca.index]));
  data.set('90', issuer.certificate);
  if (issuer.remainder.length > 0) data.set('92', issuer.remainder);
  data.set('9F32', issuer.exponent);
  if (oda.methods.includes('sda')) data.set('93', signStaticApplicationData(issuer, staticData, fromLooseHex(oda.dataAuthenticationCode, `${where}.oda.dataAuthenticationCode`)));
  if (!oda.methods.includes('dda') && !oda.methods.includes('cda')) return undefined;
  const iccBits = oda.iccKeyBits ?? Math.min(issuerBits, MAX_ICC_KEY_BITS);
  const icc = issueIccCertificate(issuer, { pan: inputs.card.pan, expiry: oda.certificateExpiry, staticData, modulusBits: iccBits, ...(oda.iccDefect === undefined ? {} : { defect: oda.iccDefect }) });
  data.set('9F46', icc.certificate);
  data.set('9F47', icc.exponent);
  if (icc.remainder.length > 0) data.set('9F48', icc.remainder);
  return icc.key;
}

/** What the static data is read from: the AFL and the records, as a contact or a contactless profile holds them. */
export interface RecordLayout {
  readonly afl: readonly { readonly sfi: number; readonly first: number; readonly oda: number }[];
  readonly records: readonly { readonly sfi: number; readonly record: number; readonly tags: readonly string[] }[];
}

/** Book 3 §10.3: the AFL's ODA records (a 70 template's value for SFI 1–10, the whole record above), then the values 9F4A lists. */
export function staticDataToAuthenticate(app: RecordLayout, data: ReadonlyMap<string, Buffer>, where = 'application'): Buffer {
  const parts: Buffer[] = [];
  for (const entry of app.afl) {
    for (let n = entry.first; n < entry.first + entry.oda; n++) {
      const record = app.records.find((r) => r.sfi === entry.sfi && r.record === n);
      if (record === undefined) continue;
      const bytes = recordBytes(record.tags, data);
      parts.push(entry.sfi <= 10 ? templateValue(bytes) : bytes);
    }
  }
  const tagList = data.get('9F4A');
  if (tagList !== undefined) {
    for (const tag of tagListTags(tagList)) {
      const value = data.get(tag);
      if (value === undefined) throw defect(`${where}.data.9F4A`, `9F4A lists ${tag}, which the card does not have`);
      parts.push(value);
    }
  }
  return Buffer.concat(parts);
}

/** The tags of a tag list (a DOL without lengths, Book 3 §5.4). */
function tagListTags(list: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < list.length) {
    const start = pos;
    const first = list[pos++] as number;
    if ((first & 0x1f) === 0x1f) while (pos < list.length && ((list[pos++] as number) & 0x80) !== 0);
    out.push(list.subarray(start, pos).toString('hex').toUpperCase());
  }
  return out;
}

/** The value of a 70 template: after its tag and length. */
function templateValue(record: Buffer): Buffer {
  const lengthByte = record[1] as number;
  const headerBytes = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  return record.subarray(headerBytes);
}

/** Issuer certificates per CA, by their parameters: one key generation serves every card of an issuer in a test run. */
const issuerCertificates = new WeakMap<SimulationCa, Map<string, IssuerCertificate>>();

function issuerCertificateFor(ca: SimulationCa, options: Parameters<typeof issueIssuerCertificate>[1]): IssuerCertificate {
  let byKey = issuerCertificates.get(ca);
  if (byKey === undefined) issuerCertificates.set(ca, (byKey = new Map<string, IssuerCertificate>()));
  const key = JSON.stringify([options.issuerIdentifier, options.expiry, options.modulusBits, options.defect ?? '']);
  let issuer = byKey.get(key);
  if (issuer === undefined) byKey.set(key, (issuer = issueIssuerCertificate(ca, options)));
  return issuer;
}

function requiredDol(data: ReadonlyMap<string, Buffer>, tag: '8C' | '8D', where: string): DolEntry[] {
  const dol = data.get(tag);
  if (dol === undefined) throw defect(`${where}.data.${tag}`, `The application has no ${tag}`);
  return parseDol(dol);
}

/** The objects a chip takes from its deck card (Book 3 Annex A); the contactless cards take the same. */
export function deckCardData(card: DeckCard, psn: string): [string, Buffer][] {
  const serviceCode = `2${card.serviceCode.slice(1)}`;
  const track2 = `${card.pan}D${card.expiry}${serviceCode}${card.discretionary}`;
  const year = 2000 + Number(card.expiry.slice(0, 2));
  const month = Number(card.expiry.slice(2));
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return [
    ['5A', Buffer.from(padF(card.pan), 'hex')],
    ['57', Buffer.from(padF(track2), 'hex')],
    ['5F20', Buffer.from(card.name, 'latin1')],
    ['5F24', Buffer.from(`${card.expiry}${String(lastDay).padStart(2, '0')}`, 'hex')],
    ['5F30', Buffer.from(`0${serviceCode}`, 'hex')],
    ['5F34', Buffer.from(psn, 'hex')],
  ];
}

function padF(digits: string): string {
  return digits.length % 2 === 0 ? digits : `${digits}F`;
}

/** What a card is personalised for: a deck card, the issuer master key its keys come from, the CAs certifying its ODA. */
export interface IssuerInputs {
  readonly card?: DeckCard | undefined;
  readonly deck?: Deck | undefined;
  readonly issuerMasterKey?: Uint8Array | undefined;
  readonly keys?: SimulationKeys | undefined;
  readonly ca?: SimulationCa | readonly SimulationCa[] | undefined;
}

/** Runs `build` with the deck card (default the profile's `profileCard`), a copy of the issuer master key wiped afterwards, and the CAs. */
export function withIssuerKey<T>(options: IssuerInputs, profileCard: string, build: (inputs: { card: DeckCard; imk: Buffer; cas: readonly SimulationCa[] }) => T): T {
  const card = options.card ?? deckCard(profileCard, options.deck);
  const imk = options.issuerMasterKey === undefined ? issuerMasterKeyFor(card.id, options.keys) : Buffer.from(options.issuerMasterKey);
  const cas = options.ca === undefined ? [] : 'capk' in options.ca ? [options.ca] : [...options.ca];
  try {
    return build({ card, imk, cas });
  } finally {
    wipe(imk);
  }
}

function deckCard(id: string, deck: Deck = loadDeck()): DeckCard {
  const card = findCard(deck, id);
  if (card === undefined) throw defect('card', `The deck has no card ${id}`);
  return card;
}

/**
 * ISO/IEC 7816-3 §8.2: TS (3B direct, 3F inverse), T0 (Y1 ‖ K), the
 * interface bytes Y announces, K historical bytes, and TCK when any
 * protocol other than T=0 is offered.
 */
function checkedAtr(atr: Buffer): Buffer {
  const fail = (): never => {
    throw defect('atr', 'The ATR is not well formed (ISO/IEC 7816-3 §8.2)');
  };
  if (atr.length < 2 || (atr[0] !== 0x3b && atr[0] !== 0x3f)) fail();
  const t0 = atr[1] as number;
  const historical = t0 & 0x0f;
  let y = t0 >> 4;
  let pos = 2;
  let tckNeeded = false;
  while (y !== 0) {
    for (const present of [0x1, 0x2, 0x4]) if ((y & present) !== 0) pos++;
    if ((y & 0x8) === 0) break;
    if (pos >= atr.length) fail();
    const td = atr[pos++] as number;
    if ((td & 0x0f) !== 0) tckNeeded = true;
    y = td >> 4;
  }
  if (atr.length !== pos + historical + (tckNeeded ? 1 : 0)) fail();
  return atr;
}

function defect(field: string, message: string, details: ErrorDetails = {}): PosError {
  return new PosError('INTERNAL', `Card profile: ${message}`, { where: 'chip-card personalisation', field, ...details });
}
