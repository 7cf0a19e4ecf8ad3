/**
 * The two moments a NEO 2's configuration is touched, each one call on the
 * transport the kind opened, before the card-reading driver takes it:
 *
 *   open   `configureReader`: sync, log what changed (items and ids only),
 *          detach; a refusal rejects, so the reader is not used with tables
 *          other than the terminal's
 *   probe  `inspectReader`: versions and a comparison, nothing written; and
 *          `describeInspection`, the line `pos diag devices` prints
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../../src/devices/byte-transport.js';
import type { ReaderConfiguration } from './desired.js';
import { openConfigurationLink, type ConfigurationLinkOptions } from './link.js';
import { compareReaderConfiguration, syncReaderConfiguration, type ConfigurationChange, type SyncResult } from './sync.js';
import { readReaderVersions, type ReaderVersions } from './versions.js';

export interface ReaderInspection {
  readonly versions: ReaderVersions;
  readonly matched: boolean;
  readonly differences: readonly ConfigurationChange[];
}

/** Syncs the reader on `transport` with `desired`; the transport stays open and free for the driver. */
export async function configureReader(transport: ByteTransport, desired: ReaderConfiguration, logger: Logger, options: ConfigurationLinkOptions = {}): Promise<SyncResult> {
  const link = openConfigurationLink(transport, options);
  try {
    const result = await syncReaderConfiguration(link, desired);
    if (result.matched) logger.debug('reader configuration matches');
    else logger.info({ changed: result.changed.map(changeName) }, 'reader configuration updated');
    return result;
  } finally {
    link.close();
  }
}

/** Reads the reader's versions and compares its configuration with `desired`, writing nothing. */
export async function inspectReader(transport: ByteTransport, desired: ReaderConfiguration, options: ConfigurationLinkOptions = {}): Promise<ReaderInspection> {
  const link = openConfigurationLink(transport, options);
  try {
    const versions = await readReaderVersions(link);
    const { matched, differences } = await compareReaderConfiguration(link, desired);
    return { versions, matched, differences };
  } finally {
    link.close();
  }
}

/** `firmware …, kernel …, configuration matches` — or `differs: aid A000…031010 replace, …` (the first five). */
export function describeInspection({ versions, matched, differences }: ReaderInspection): string {
  const shown = differences.slice(0, 5).map(changeName).join(', ');
  const more = differences.length > 5 ? ` and ${differences.length - 5} more` : '';
  return `firmware ${versions.firmware}, kernel ${versions.emvL2Kernel}, configuration ${matched ? 'matches' : `differs: ${shown}${more}`}`;
}

function changeName(change: ConfigurationChange): string {
  return `${change.item} ${change.id} ${change.action}`;
}
