/**
 * The printer's character code tables, byte → character (Epson "ESC/POS
 * Command Reference", "Character Code Tables": Page 0 PC437, Page 2 PC850,
 * Page 16 WPC1252, Page 19 PC858). 0x20–0x7F is ASCII on every page; the
 * upper halves below are IBM's CP437 and CP850 charts, PC858 being PC850 with
 * the euro sign at 0xD5; WPC1252 is ISO 8859-1 but for 0x80–0x9F, where
 * Windows-1252 puts the euro sign, quotes and dashes (`?` where unassigned).
 */

const PC437_UPPER = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
const PC850_UPPER = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';
const EURO_IN_PC858 = 0xd5;

const WPC1252_80_9F = '€?‚ƒ„…†‡ˆ‰Š‹Œ?Ž??‘’“”•–—˜™š›œ?žŸ';

function upperHalf(chart: string): (byte: number) => string {
  const chars = [...chart];
  return (byte) => chars[byte - 0x80] ?? '?';
}

const pc850 = upperHalf(PC850_UPPER);

/** Decoders of the upper half, by code page name. */
const UPPER: Readonly<Record<string, (byte: number) => string>> = {
  pc437: upperHalf(PC437_UPPER),
  pc850,
  pc858: (byte) => (byte === EURO_IN_PC858 ? '€' : pc850(byte)),
  wpc1252: (byte) => (byte < 0xa0 ? ([...WPC1252_80_9F][byte - 0x80] ?? '?') : String.fromCharCode(byte)),
};

/** One printable byte (0x20–0xFF) in `page` as the character it prints. */
export function decodeByte(byte: number, page: string): string {
  if (byte < 0x80) return String.fromCharCode(byte);
  return (UPPER[page] ?? UPPER['pc437'] ?? (() => '?'))(byte);
}
