/**
 * What the terminal checks before it creates anything (its journal,
 * simulation keys): that the state folder is, or can become, a folder it can
 * write, and that every key and certificate the host needs loads — each
 * loaded once here and wiped. The terminal loads them again as it starts, in
 * an order that opens the journal first (the host's reversal store), so
 * without these checks a bad key would leave a new, empty `journal.db`.
 *
 * Every refusal is a configuration error (exit 2, so systemd does not restart
 * a terminal only its operator can fix).
 */
import { loadTerminalMacKey } from './host-setup.js';
import type { Config } from '../config/schema.js';
import { assertHostTransportAllowed } from '../host/channels/production-guard.js';
import { loadTlsMaterial } from '../host/channels/tls-material.js';
import { gatewayTlsFromFiles } from '../host/json-gateway/from-config.js';
import { checkJournalDir } from '../txn/journal/journal.js';
import { checkKeyFile } from '../util/key-file-check.js';

export function checkBeforeStart(config: Config, stateDir: string): void {
  checkJournalDir(stateDir);
  const host = config.host;
  if (host.type === 'iso8583-tcp') {
    assertHostTransportAllowed(host);
    if (host.tls !== undefined) loadTlsMaterial(host.tls).key.fill(0);
    loadTerminalMacKey(config.keys.dir).wipe();
  } else if (host.type === 'https-json') {
    assertHostTransportAllowed(host);
    gatewayTlsFromFiles(host).key?.fill(0);
    if (host.keyFile !== undefined) checkKeyFile(host.keyFile);
  }
}
