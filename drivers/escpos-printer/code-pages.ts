/**
 * The character code tables a receipt is printed in, selected with ESC t n
 * (Epson "ESC/POS Command Reference", ESC t "Select character code table":
 * page 0 PC437, 2 PC850, 16 WPC1252, 19 PC858). Bytes 0x20–0x7E are ASCII in
 * every page; each table here is the upper half, 0x80–0xFF in order, as the
 * code page defines it (IBM CP437/CP850/CP858, Windows-1252; U+FFFD where
 * 1252 leaves a byte unassigned). PC858 is PC850 with the euro sign at 0xD5
 * in place of the dotless i.
 *
 * A character a table cannot represent prints as `?`; so does a control
 * character, which would otherwise be read as a command.
 */
/** The config's `codePage` names (`src/config/schema.ts`; the kind table holds the two equal). */
export type CodePageName = 'pc437' | 'pc850' | 'pc858' | 'wpc1252';

export interface CodePage {
  /** n of ESC t n. */
  readonly escT: number;
  /** 0x80–0xFF, one character a byte. */
  readonly upper: string;
}

export const CODE_PAGES: Readonly<Record<CodePageName, CodePage>> = {
  pc437: { escT: 0, upper: 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0' },
  pc850: { escT: 2, upper: 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0' },
  pc858: { escT: 19, upper: 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0' },
  wpc1252: { escT: 16, upper: '€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ' },
};

const UNREPRESENTABLE = 0x3f; // '?'
const UNASSIGNED = '\ufffd';

/** Each page's characters → byte, made once. */
const ENCODERS = new Map<CodePageName, ReadonlyMap<string, number>>();

function encoderOf(name: CodePageName): ReadonlyMap<string, number> {
  let map = ENCODERS.get(name);
  if (map === undefined) {
    const built = new Map<string, number>();
    [...CODE_PAGES[name].upper].forEach((c, i) => {
      if (c !== UNASSIGNED && !built.has(c)) built.set(c, 0x80 + i);
    });
    map = built;
    ENCODERS.set(name, map);
  }
  return map;
}

/** `text` in `page`'s bytes: printable ASCII as is, the page's characters by its table, anything else (controls included) as `?`. */
export function encodeText(text: string, page: CodePageName): Buffer {
  const encoder = encoderOf(page);
  const bytes: number[] = [];
  for (const c of text.normalize('NFC')) {
    const code = c.codePointAt(0) ?? UNREPRESENTABLE;
    if (code >= 0x20 && code <= 0x7e) bytes.push(code);
    else bytes.push(encoder.get(c) ?? UNREPRESENTABLE);
  }
  return Buffer.from(bytes);
}
