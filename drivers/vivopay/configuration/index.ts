/** A NEO 2's configuration from the terminal's own (guide §8.3, §8.4.3–8.4.13), and its versions (§8.2). */
export { CONFIGURATION_COMMANDS, CONFIGURATION_STATUS, KEY_MANAGER_STATUS, CONTACT_AID_TAGS, CONTACTLESS_TAGS, TERMINAL_DATA_TAGS, APPLICATION_FLOW, type ConfigurationCommand, type ConfigurationOperation } from './commands.js';
export { readerConfigurationOf, TERMINAL_GROUP_BASE, MAX_READER_AIDS, type ReaderConfiguration, type ContactlessAidSettings, type ContactlessSettings } from './desired.js';
export { openConfigurationLink, CONFIGURATION_ANSWER_TIMEOUT_MS, type ConfigurationLink, type ClosableConfigurationLink, type ConfigurationLinkOptions, type ConfigurationRequest } from './link.js';
export { compareReaderConfiguration, syncReaderConfiguration, readReaderHolds, type ConfigurationChange, type ConfigurationComparison, type ConfigurationItem, type ReaderHolds, type SyncResult } from './sync.js';
export { readReaderVersions, type ReaderVersions } from './versions.js';
export type { ApplicationData, CapkId, ReaderCapk, TlvItem } from './contact-records.js';
export type { ContactlessAid, ContactlessGroup } from './contactless-records.js';
export { configureReader, inspectReader, describeInspection, type ReaderInspection } from './configure.js';
