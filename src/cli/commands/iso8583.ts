/**
 * `pos iso8583`: the command lines of a technician's ISO 8583 decoder and
 * encoder. The codec (`../actions/iso8583.ts`) is loaded only when one runs.
 *
 *   pos iso8583 decode <hex|-> [--dialect <name>] [--json] [--unmasked]
 *   pos iso8583 encode <file|-> [--dialect <name>] [--json]
 */
import type { Command } from 'commander';
import type { Iso8583DecodeFlags, Iso8583EncodeFlags } from '../actions/iso8583.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const DEFAULT_DIALECT = 'iso87ascii';

export const registerIso8583: RegisterCommand = (program: Command) => {
  const iso = program.command('iso8583').description('Decode and encode ISO 8583 messages in any shipped dialect.');
  iso
    .command('decode')
    .description('Decode an ISO 8583 message given as hex (or - for standard input), one field a line with its name.')
    .argument('<hex>', 'the message as hex, without a length header; spaces and newlines are ignored; - reads standard input')
    .option('--dialect <name>', 'iso87ascii | iso87ascii-binary-bitmap | iso87binary', DEFAULT_DIALECT)
    .option('--json', 'print { "mti": …, "fields": { "<n>": … } }')
    .option('--unmasked', 'show PAN, track, PIN block and ICC data in clear')
    .action(lazyAction('iso8583 decode', () => import('../actions/iso8583.js'), (m, hex: string, flags: Iso8583DecodeFlags) => m.runIso8583Decode(hex, flags)));
  iso
    .command('encode')
    .description('Encode a message from its JSON form ({ "mti": …, "fields": { "<n>": … } }, binary fields as hex) and print it as hex.')
    .argument('<file>', 'a JSON file; - reads standard input')
    .option('--dialect <name>', 'iso87ascii | iso87ascii-binary-bitmap | iso87binary', DEFAULT_DIALECT)
    .option('--json', 'print { "hex": … }')
    .action(lazyAction('iso8583 encode', () => import('../actions/iso8583.js'), (m, file: string, flags: Iso8583EncodeFlags) => m.runIso8583Encode(file, flags)));
};
