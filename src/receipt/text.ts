/**
 * A receipt as plain text, for the ECR API (`Accept: text/plain`) and
 * `pos receipt`: each print line aligned within the paper's columns, no
 * trailing spaces, one `\n` a line. Emphasis does not show in plain text.
 */
import type { PrintLine } from '../devices/printer.js';

export function receiptText(lines: readonly PrintLine[], columns: number): string {
  return lines.map((line) => aligned(line, columns).trimEnd() + '\n').join('');
}

function aligned(line: PrintLine, columns: number): string {
  // A double-size `LABEL  value` spans the paper when printed: so it does in text.
  const spread = line.doubleSize === true && (line.align ?? 'left') === 'left' ? /^(\S(?:.*\S)?) {2,}(\S.*)$/.exec(line.text) : null;
  if (spread?.[1] !== undefined && spread[2] !== undefined) return spread[1] + ' '.repeat(Math.max(1, columns - spread[1].length - spread[2].length)) + spread[2];
  const room = Math.max(0, columns - line.text.length);
  switch (line.align ?? 'left') {
    case 'left':
      return line.text;
    case 'right':
      return ' '.repeat(room) + line.text;
    case 'center':
      return ' '.repeat(Math.floor(room / 2)) + line.text;
  }
}
