/**
 * DFEE23 MSR Data as the virtual NEO 2 reports a swipe with encryption off
 * (guide 8.4.18 p185, p238): the guide wraps a whole MSR block in the tag and
 * sends its layout to "ID TECH Encrypted Data Output Formats" (80000502-001),
 * which is not public; this twin's plaintext block keeps that format's order
 * of fields (ours):
 *
 *   [card encode type 1: 80 ISO/ABA][track status 1: b0 T1, b1 T2, b2 T3 read]
 *   [T1 length][T2 length][T3 length][T1 %…?][T2 ;…?][T3]
 */
import { encodeTrack1, encodeTrack2, type TrackFields } from '../../src/card/track-encode.js';

const ENCODE_ISO_ABA = 0x80;
const TRACK1_READ = 0x01;
const TRACK2_READ = 0x02;

/** The block for a swipe of `fields`: a fresh buffer the caller wipes. */
export function msrDataBlock(fields: TrackFields): Buffer {
  const t1 = encodeTrack1(fields);
  const t2 = encodeTrack2(fields);
  const block = Buffer.concat([Buffer.from([ENCODE_ISO_ABA, TRACK1_READ | TRACK2_READ, t1.length, t2.length, 0]), t1, t2]);
  t1.fill(0);
  t2.fill(0);
  return block;
}
