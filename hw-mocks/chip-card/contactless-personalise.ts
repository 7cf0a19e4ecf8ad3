/**
 * Personalisation of a virtual contactless card: a contactless profile
 * (`contactless-profile.ts`), a deck card and its issuer master key made
 * into what a `QvsdcCard` or `MchipContactlessCard` holds.
 *
 *   deck card   5A, 57 (service code 2xx), 5F20, 5F24, 5F30; 5F34 from the profile
 *   profile     every other data object, the record layout, 82, 94 (from `afl`)
 *   mag-stripe  9F6B Track 2 Data (the deck card's track, service code 2xx), 9F65, 9F66,
 *               9F67 from `TRACK2_LAYOUT`, and IVCVC3(Track2) over 9F6B
 *   keys        MK_AC by option A (Book 2 A1.4.1) from the issuer master key; KD_CVC3
 *               from its CVC3 variant with PSN 00 (`contactless-magstripe.ts`)
 *   CA (fDDA)   an issuer key certified by the CA whose RID is the AID's, an ICC key
 *               certified over the static data to be authenticated (the records the
 *               AFL marks, then the 9F4A values: Book 3 §10.3), and 8F, 90, 92, 9F32,
 *               9F46, 9F47, 9F48 (92 and 9F48 only when the key leaves a remainder)
 *
 * Every check throws `INTERNAL` naming the profile's field: a profile that
 * cannot make a consistent card is a defect of the profile.
 */
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { parseDol, type DolEntry } from '../../src/emv/dol.js';
import { PosError } from '../../src/util/errors.js';
import { fromLooseHex } from '../../src/util/hex.js';
import type { Deck, DeckCard } from '../cards/deck.js';
import type { SimulationKeys } from '../keys/simulation-keys.js';
import { cvc3Key, fitsAsTemplate, ivCvc3, track2Text, TRACK2_LAYOUT, unDigitCount } from './contactless-magstripe.js';
import { loadContactlessProfile, type ContactlessProfile } from './contactless-profile.js';
import { CRYPTOGRAM_VERSIONS, type CryptogramVersion } from './cryptogram-versions.js';
import { deckCardData, recordBytes, staticDataToAuthenticate, withIssuerKey } from './personalise.js';
import { issueIccCertificate, issueIssuerCertificate, type IssuerCertificate, type RsaKeyPair, type SimulationCa } from './simulation-ca.js';

export interface ContactlessPersonaliseOptions {
  /** A profile, or the name of a shipped one (`hw-mocks/chip-card/contactless-profiles/<name>.json`). */
  readonly profile: ContactlessProfile | string;
  /** The deck card the card carries; default the profile's `card` from `deck`. */
  readonly card?: DeckCard;
  readonly deck?: Deck;
  /** Default: the keys file's issuer master key for the deck card. */
  readonly issuerMasterKey?: Uint8Array;
  readonly keys?: SimulationKeys;
  /** The CA certifying fDDA (several: chosen by the AID's RID); required when the profile has `fdda`. */
  readonly ca?: SimulationCa | readonly SimulationCa[];
}

export interface ContactlessImage {
  readonly profile: ContactlessProfile;
  readonly aid: Buffer;
  /** 9F2A of the PPSE entry. */
  readonly kernelId: Buffer;
  /** Every data object the application has, by tag (upper-case hex). */
  readonly data: ReadonlyMap<string, Buffer>;
  readonly pdol: readonly DolEntry[];
  /** M/Chip with a cryptogram: GENERATE AC takes exactly its data. */
  readonly cdol1: readonly DolEntry[] | undefined;
  /** Mag-stripe mode: COMPUTE CRYPTOGRAPHIC CHECKSUM takes exactly its data (9F69, else the default UDOL). */
  readonly udol: readonly DolEntry[] | undefined;
  readonly version: CryptogramVersion | undefined;
  /** MK_AC (option A); undefined on a mag-stripe-only card. */
  readonly masterKey: Buffer | undefined;
  /** KD_CVC3 and IVCVC3(Track2); undefined without mag-stripe mode. */
  readonly cvc3Key: Buffer | undefined;
  readonly ivCvc3: Buffer | undefined;
  /** fDDA: the certified ICC key pair the card signs with. */
  readonly iccKey: RsaKeyPair | undefined;
  readonly pan: string;
  readonly psn: string;
  readonly deckCardId: string;
}

/** The tags the cryptogram versions need from the terminal, with their lengths (qVSDC from the PDOL, M/Chip from CDOL1). */
const QVSDC_PDOL_LENGTHS: Readonly<Record<string, number>> = { '9F66': 4, '9F02': 6, '9F37': 4 };
const CDOL1_LENGTHS: Readonly<Record<string, number>> = { '9F02': 6, '9F03': 6, '9F1A': 2, '95': 5, '5F2A': 2, '9A': 3, '9C': 1, '9F37': 4 };
const DEFAULT_KERNEL_ID: Readonly<Record<ContactlessProfile['kernel'], string>> = { mchip: '02', qvsdc: '03' };
/** AIP byte 2 b8 (Book C-2 A.1.6): EMV mode is supported; byte 1 b6: (f)DDA. */
const AIP_EMV_MODE = 0x80;
const AIP_DDA = 0x20;
/** Objects the builder makes for fDDA; a record marked for ODA cannot hold them. */
const ODA_TAGS: ReadonlySet<string> = new Set(['8F', '90', '92', '9F32', '9F46', '9F47', '9F48']);
/** A remainder is absent when the certificate holds the whole modulus (Book 2 §6.3). */
const OPTIONAL_WHEN_EMPTY: ReadonlySet<string> = new Set(['92', '9F48']);
const CERTIFICATE_EXPIRY = '1239';
const MAX_ICC_KEY_BITS = 1024;
const MAX_RECORD_BYTES = 256;
const DEFAULT_UDOL_HEX = '9F6A04';
/** Track 2 carries no PAN sequence number, so the issuer derives KD_CVC3 with 00 (`contactless-magstripe.ts`). */
const MAGSTRIPE_PSN = '00';

export function personaliseContactless(options: ContactlessPersonaliseOptions): ContactlessImage {
  const profile = typeof options.profile === 'string' ? loadContactlessProfile(options.profile) : options.profile;
  return withIssuerKey(options, profile.card, ({ card, imk, cas }) => build(profile, card, imk, cas));
}

function build(profile: ContactlessProfile, card: DeckCard, imk: Buffer, cas: readonly SimulationCa[]): ContactlessImage {
  const aid = fromLooseHex(profile.aid, 'aid');
  if (aid.length < 5 || aid.length > 16) throw defect('aid', 'An AID is 5 to 16 bytes');
  const data = new Map<string, Buffer>(deckCardData(card, profile.psn));
  for (const [tag, hex] of Object.entries(profile.data)) data.set(tag, fromLooseHex(hex, `data.${tag}`));
  const aip = fromLooseHex(profile.aip, 'aip');
  if (aip.length !== 2) throw defect('aip', 'The AIP is 2 bytes');
  data.set('82', aip);
  data.set('94', Buffer.from(profile.afl.flatMap((e) => [e.sfi << 3, e.first, e.last, e.oda])));
  data.set('84', aid);
  const pdolBytes = profile.pdol === undefined ? undefined : fromLooseHex(profile.pdol, 'pdol');
  if (pdolBytes !== undefined) data.set('9F38', pdolBytes);
  const pdol = pdolBytes === undefined ? [] : parseDol(pdolBytes);

  const version = profile.cryptogramVersion === undefined ? undefined : CRYPTOGRAM_VERSIONS[profile.cryptogramVersion];
  if (profile.kernel === 'qvsdc') requireLengths(pdol, profile.fdda ? { ...QVSDC_PDOL_LENGTHS, '5F2A': 2 } : QVSDC_PDOL_LENGTHS, 'pdol', 'PDOL');
  let cdol1: DolEntry[] | undefined;
  if (profile.kernel === 'mchip') {
    if (((aip[1] as number) & AIP_EMV_MODE) !== 0 !== (version !== undefined)) throw defect('aip', 'AIP byte 2 bit 8 (EMV mode) is set exactly when the card has a cryptogram version');
    if (version !== undefined) {
      const cdol = data.get('8C');
      if (cdol === undefined) throw defect('data.8C', 'An M/Chip card with a cryptogram needs CDOL1');
      cdol1 = parseDol(cdol);
      requireLengths(cdol1, CDOL1_LENGTHS, 'data.8C', 'CDOL1');
    }
  }

  let udol: DolEntry[] | undefined;
  let keyCvc3: Buffer | undefined;
  let iv: Buffer | undefined;
  if (profile.magstripe) {
    const track2 = Buffer.from(data.get('57') as Buffer);
    if (!fitsAsTemplate(track2Text(track2), TRACK2_LAYOUT)) {
      throw defect('card', 'Mag-stripe mode needs a discretionary data field with zeros where the reader writes (TRACK2_LAYOUT)');
    }
    data.set('9F6B', track2);
    data.set('9F65', twoBytes(TRACK2_LAYOUT.pcvc3));
    data.set('9F66', twoBytes(TRACK2_LAYOUT.punatc));
    data.set('9F67', Buffer.from([TRACK2_LAYOUT.natc]));
    udol = parseDol(data.get('9F69') ?? Buffer.from(DEFAULT_UDOL_HEX, 'hex'));
    if (!udol.some((e) => e.tag === '9F6A' && e.length === 4)) throw defect('data.9F69', 'The UDOL must ask for the Unpredictable Number (Numeric), 4 bytes');
    if (unDigitCount(TRACK2_LAYOUT) < 1) throw defect('magstripe', 'The layout leaves no UN digits');
    keyCvc3 = cvc3Key(imk, card.pan, MAGSTRIPE_PSN);
    iv = ivCvc3(keyCvc3, track2);
  }

  if (profile.fdda !== (((aip[0] as number) & AIP_DDA) !== 0)) throw defect('aip', 'AIP byte 1 bit 6 (fDDA) is set exactly when the profile has fdda');
  const iccKey = profile.fdda ? certify(profile, aid, card, data, cas) : undefined;
  checkRecords(profile, data);
  return {
    profile,
    aid,
    kernelId: fromLooseHex(profile.kernelId ?? DEFAULT_KERNEL_ID[profile.kernel], 'kernelId'),
    data,
    pdol,
    cdol1,
    udol,
    version,
    masterKey: version === undefined ? undefined : deriveCardMasterKey(imk, card.pan, profile.psn, 'A'),
    cvc3Key: keyCvc3,
    ivCvc3: iv,
    iccKey,
    pan: card.pan,
    psn: profile.psn,
    deckCardId: card.id,
  };
}

/** The AFL's records all exist, each is defined once, names only objects the card has and fits one response. */
function checkRecords(profile: ContactlessProfile, data: ReadonlyMap<string, Buffer>): void {
  const defined = new Set<string>();
  for (const r of profile.records) {
    const key = `${r.sfi}/${r.record}`;
    if (defined.has(key)) throw defect('records', `Record ${key} is defined twice`);
    defined.add(key);
    for (const tag of r.tags) if (!data.has(tag) && !OPTIONAL_WHEN_EMPTY.has(tag)) throw defect('records', `Record ${key} names ${tag}, which the card does not have`);
    if (recordBytes(r.tags, data).length > MAX_RECORD_BYTES) throw defect('records', `Record ${key} does not fit one response`);
  }
  for (const e of profile.afl) {
    for (let n = e.first; n <= e.last; n++) if (!defined.has(`${e.sfi}/${n}`)) throw defect('afl', `The AFL names record ${e.sfi}/${n}, which records does not define`);
  }
}

/** The certificates of fDDA, their objects in `data`, and the ICC key pair. */
function certify(profile: ContactlessProfile, aid: Buffer, card: DeckCard, data: Map<string, Buffer>, cas: readonly SimulationCa[]): RsaKeyPair {
  const rid = aid.subarray(0, 5);
  const ca = cas.find((c) => c.rid.equals(rid));
  if (ca === undefined) throw defect('fdda', `fDDA needs a simulation CA with RID ${rid.toString('hex').toUpperCase()}`);
  const staticData = contactlessStaticData(profile, data);
  const issuerBits = ca.key.modulus.length * 8;
  const issuer = issuerCertificateFor(ca, card.pan.slice(0, 6), issuerBits);
  data.set('8F', Buffer.from([ca.index]));
  data.set('90', issuer.certificate);
  if (issuer.remainder.length > 0) data.set('92', issuer.remainder);
  data.set('9F32', issuer.exponent);
  const icc = issueIccCertificate(issuer, { pan: card.pan, expiry: CERTIFICATE_EXPIRY, staticData, modulusBits: Math.min(issuerBits, MAX_ICC_KEY_BITS) });
  data.set('9F46', icc.certificate);
  data.set('9F47', icc.exponent);
  if (icc.remainder.length > 0) data.set('9F48', icc.remainder);
  return icc.key;
}

/** Book 3 §10.3, as for a contact card; a record marked for ODA must not hold an ODA object. */
export function contactlessStaticData(profile: ContactlessProfile, data: ReadonlyMap<string, Buffer>): Buffer {
  for (const entry of profile.afl) {
    for (let n = entry.first; n < entry.first + entry.oda; n++) {
      const record = profile.records.find((r) => r.sfi === entry.sfi && r.record === n);
      if (record?.tags.some((t) => ODA_TAGS.has(t)) === true) throw defect('afl', `Record ${entry.sfi}/${n} is marked for ODA and holds an ODA object`);
    }
  }
  return staticDataToAuthenticate(profile, data, 'contactless');
}

/** One issuer key per CA and issuer identifier for a test run: RSA key generation is the slow part. */
const issuers = new WeakMap<SimulationCa, Map<string, IssuerCertificate>>();

function issuerCertificateFor(ca: SimulationCa, issuerIdentifier: string, modulusBits: number): IssuerCertificate {
  let byIdentifier = issuers.get(ca);
  if (byIdentifier === undefined) issuers.set(ca, (byIdentifier = new Map<string, IssuerCertificate>()));
  let issuer = byIdentifier.get(issuerIdentifier);
  if (issuer === undefined) byIdentifier.set(issuerIdentifier, (issuer = issueIssuerCertificate(ca, { issuerIdentifier, expiry: CERTIFICATE_EXPIRY, modulusBits })));
  return issuer;
}

function requireLengths(dol: readonly DolEntry[], lengths: Readonly<Record<string, number>>, field: string, name: string): void {
  for (const [tag, length] of Object.entries(lengths)) {
    if (!dol.some((e) => e.tag === tag && e.length === length)) throw defect(field, `${name} must ask for ${tag} (${length} bytes)`);
  }
}

function twoBytes(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

function defect(field: string, message: string): PosError {
  return new PosError('INTERNAL', `Contactless card profile: ${message}`, { where: 'contactless personalisation', field });
}
