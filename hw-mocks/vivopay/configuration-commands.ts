/**
 * The virtual NEO 2's configuration commands (AIDs, CA public keys, terminal
 * data: guide 8.4.3–8.4.17) are answered elsewhere: a handler given to the
 * twin, or, by default, a store of `configuration-store.ts` beside this
 * file when it exists (one store a reader: its AIDs, keys and terminal data). A command neither the twin nor the handler takes gets the guide's
 * answer for an unknown command (Table 6: 02, or 03 for an unknown
 * sub-command of a known command).
 */

/** A command as the reader received it. */
export interface ConfigurationFrame {
  readonly command: number;
  readonly subCommand: number;
  readonly data: Buffer;
}

/** The reader's answer: a status byte and the data after it. */
export interface ConfigurationAnswer {
  readonly status: number;
  readonly data?: Uint8Array;
}

/** Answers a configuration command, or `undefined` for a command it does not take. */
export type ConfigurationCommands = (frame: ConfigurationFrame) => ConfigurationAnswer | undefined | Promise<ConfigurationAnswer | undefined>;

function isHandler(value: unknown): value is ConfigurationCommands {
  return typeof value === 'function';
}

/**
 * The handler of `configuration-store.ts`, for one reader: a fresh store
 * (`createConfigurationStore()`) answered through `configurationCommandsOf`;
 * `undefined` when the module is not there.
 */
export async function loadConfigurationStore(specifier = './configuration-store.js'): Promise<ConfigurationCommands | undefined> {
  let module: unknown;
  try {
    module = await import(specifier);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  if (typeof module !== 'object' || module === null) return undefined;
  const { createConfigurationStore, configurationCommandsOf } = module as Record<string, unknown>;
  if (typeof createConfigurationStore !== 'function' || typeof configurationCommandsOf !== 'function') return undefined;
  const handler: unknown = (configurationCommandsOf as (store: unknown) => unknown)((createConfigurationStore as () => unknown)());
  return isHandler(handler) ? handler : undefined;
}

/** The module is not there (Node's code, or the test runner's words for it): any other failure is the store's own. */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|Does the file exist/i.test(error.message);
}
