/**
 * What a NEO 2 runs, for `pos diag devices`: its firmware version (Get
 * Version, 29-00, guide §8.2.10 p131) and its contact EMV L2 kernel's
 * version (29-07 with the minor version, §8.2.14 p134; a reader that does not
 * know 29-07 is asked 29-06, §8.2.13 p133). Both are ASCII strings.
 */
import type { ConfigurationLink } from './link.js';
import { CONFIGURATION_COMMANDS, CONFIGURATION_STATUS, type ConfigurationOperation } from './commands.js';
import { refused } from './sync.js';

export interface ReaderVersions {
  readonly firmware: string;
  readonly emvL2Kernel: string;
}

export async function readReaderVersions(link: ConfigurationLink): Promise<ReaderVersions> {
  const firmware = await readText(link, 'getFirmwareVersion');
  const detail = await ask(link, 'getEmvL2VersionDetail');
  const emvL2Kernel = detail.status === CONFIGURATION_STATUS.OK ? text(detail.data) : await readText(link, 'getEmvL2Version');
  return { firmware, emvL2Kernel };
}

async function readText(link: ConfigurationLink, operation: ConfigurationOperation): Promise<string> {
  const frame = await ask(link, operation);
  if (frame.status !== CONFIGURATION_STATUS.OK) throw refused(operation, frame.status, 'version');
  return text(frame.data);
}

function ask(link: ConfigurationLink, operation: ConfigurationOperation) {
  const { command, subCommand } = CONFIGURATION_COMMANDS[operation];
  return link.exchange({ command, subCommand });
}

/** Printable ASCII, without the NULs and blanks some firmware pads with. */
function text(data: Uint8Array): string {
  return Buffer.from(data)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
}
