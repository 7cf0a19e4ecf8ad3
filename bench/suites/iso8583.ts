/**
 * ISO 8583 pack and unpack of a chip purchase (0200 with DE 52 PIN block,
 * DE 55 a realistic ~100-byte EMV TLV, DE 64 MAC) for this codec and the
 * `iso_8583` npm package, side by side on the same message in one process.
 *
 * The layout is the package's own: ASCII MTI and fields, binary bitmaps with
 * the secondary always sent, fixed binary fields raw — our
 * iso87ascii-binary-bitmap dialect. The package carries variable-length
 * fields as text only, so it gets DE 55 as its hex text (prefix counting
 * characters) where we carry the bytes; its MAC needs a custom format (its
 * table sizes DE 64 as 4 bytes). Each difference becomes a note.
 */
import { iso87asciiBinaryBitmap, iso87binary } from '../../src/iso8583/dialects/index.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { FieldValue, MessageInput } from '../../src/iso8583/types.js';
import { compare, type BenchOptions, type BenchSuite, type CaseResult } from '../harness.js';
import { Peer, PEER_MAC_FORMAT, peerFields, PURCHASE_0200, type PeerFormat } from '../iso8583-peer.js';

const PEER = 'iso_8583';
const PEER_FORMATS: Record<string, PeerFormat> = { 64: PEER_MAC_FORMAT };

/** A CDOL1-style DE 55: 9F26 9F27 9F10 9F37 9F36 95 9A 9C 9F02 5F2A 82 9F1A 9F03 9F33 9F34 9F35 84 9F09 (≈ 100 bytes). */
const DE55 = Buffer.from(
  '9F2608A1B2C3D4E5F60718' +
    '9F270180' +
    '9F100706010A03A0A100' +
    '9F37041A2B3C4D' +
    '9F36020042' +
    '95050000008000' +
    '9A03250615' +
    '9C0100' +
    '9F0206000000001234' +
    '5F2A020978' +
    '82023900' +
    '9F1A020276' +
    '9F0306000000000000' +
    '9F3303E0F8C8' +
    '9F34034201' +
    '9F350122' +
    '8407A0000000031010' +
    '9F09020002',
  'hex',
);

/** The shared purchase as read from a chip with a PIN: its own PAN, track 2 equivalent, entry mode and PAN sequence number, and DE 55. */
const FIELDS: Record<number, FieldValue> = {
  ...PURCHASE_0200,
  2: '4761739001010119',
  22: '051',
  23: '001',
  35: '4761739001010119=30122011758928889',
  52: Buffer.from('7434F67813BAE545', 'hex'),
  55: DE55,
};

export const suite: BenchSuite = {
  name: 'iso8583',
  async run(options: BenchOptions) {
    const input: MessageInput = { mti: '0200', fields: FIELDS };
    const ours = encodeMessage(iso87asciiBinaryBitmap, input);
    const peerData: Record<string, string> = { 0: '0200', ...peerFields(FIELDS) };
    const peerRaw = new Peer(peerData, PEER_FORMATS).getRawMessage();
    if (!Buffer.isBuffer(peerRaw)) throw new Error(`${PEER} could not pack the message: ${peerRaw.error}`);
    const notes: string[] = [
      `message: 0200 with DE 43, DE 52, DE 55 (${DE55.length} bytes of TLV), DE 64; ours ${ours.length} bytes (iso87ascii-binary-bitmap), ${PEER} ${peerRaw.length} bytes`,
    ];

    // Where the outputs differ, byte for byte and field for field.
    const firstDiff = [...ours].findIndex((b, i) => peerRaw[i] !== b);
    notes.push(
      ours.equals(peerRaw)
        ? `${PEER} packs the same bytes as ours`
        : `${PEER} packs differently from byte ${firstDiff}: it writes DE 55 as ${DE55.length * 2} hex characters with an LLL prefix counting characters (ours: ${DE55.length} raw bytes, prefix counting bytes); everything before DE 55 is identical`,
    );
    const peerView = new Peer(undefined, PEER_FORMATS).getIsoJSON(ours, { lenHeader: false });
    if ('error' in peerView) notes.push(`${PEER} cannot unpack our message: ${String(peerView.error)}`);
    else {
      const wrong = Object.entries(peerData).filter(([k, v]) => (peerView[k] ?? '').toUpperCase() !== v.toUpperCase() && k !== '55');
      notes.push(
        wrong.length === 0
          ? `${PEER} unpacks our message with the same values for every field but DE 55, which it reads as UTF-8 text (lossy for binary)`
          : `${PEER} unpacks our message with different values for fields ${wrong.map(([k]) => k).join(', ')}`,
      );
    }
    notes.push(`${PEER}'s default table sizes DE 64/128 as 4 bytes (MaxLen 8 hex characters); it was given a custom 8-byte format, as its README allows`);
    notes.push(`our iso87binary layout of the same message: ${encodeMessage(iso87binary, input).length} bytes`);

    const cases: CaseResult[] = [];
    cases.push(
      await compare(
        'iso8583',
        'pack 0200 (DE 52, DE 55, DE 64)',
        { name: 'pos-terminal', fn: () => encodeMessage(iso87asciiBinaryBitmap, input) },
        [{ name: PEER, fn: () => new Peer(peerData, PEER_FORMATS).getRawMessage() }],
        options,
      ),
    );
    cases.push(
      await compare(
        'iso8583',
        'unpack 0200 (DE 52, DE 55, DE 64)',
        { name: 'pos-terminal', fn: () => decodeMessage(iso87asciiBinaryBitmap, ours) },
        [{ name: PEER, fn: () => new Peer(undefined, PEER_FORMATS).getIsoJSON(peerRaw, { lenHeader: false }) }],
        options,
      ),
    );
    const binaryBytes = encodeMessage(iso87binary, input);
    cases.push(
      await compare('iso8583', 'iso87binary pack + unpack (ours only)', { name: 'pos-terminal', fn: () => decodeMessage(iso87binary, encodeMessage(iso87binary, input)) }, [], options),
    );
    notes.push(`iso87binary message for the last case: ${binaryBytes.length} bytes`);
    return { suite: 'iso8583', cases, notes };
  },
};
