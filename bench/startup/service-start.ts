/**
 * How the systemd unit starts the terminal, read from its `ExecStart`
 * (`systemd/pos-terminal.service`): the node flags and the script, mapped
 * from the install folder (`/opt/pos-terminal`) to this checkout — so the
 * bench and the tests start `pos run` exactly as a Pi does.
 *
 *   ExecStart=/opt/pos-terminal/bin/notify-exec /usr/bin/node [flags…] /opt/pos-terminal/<script> run
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/project-root.js';

const UNIT = join('systemd', 'pos-terminal.service');
const INSTALL_DIR = '/opt/pos-terminal/';
const NODE = '/usr/bin/node';

export interface ServiceStart {
  /** Node's own flags, before the script. */
  readonly nodeFlags: readonly string[];
  /** The script, in this checkout. */
  readonly script: string;
  /** The arguments after the script (`run`). */
  readonly args: readonly string[];
}

export function serviceStart(root: string = projectRoot()): ServiceStart {
  const line = readFileSync(join(root, UNIT), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ExecStart='));
  const words = line?.slice('ExecStart='.length).trim().split(/\s+/) ?? [];
  const node = words.indexOf(NODE);
  const scriptAt = words.findIndex((w, i) => i > node && w.startsWith(INSTALL_DIR));
  const script = words[scriptAt];
  if (node < 0 || script === undefined) throw new Error(`${UNIT}: ExecStart runs no ${NODE} … ${INSTALL_DIR}<script>: ${line ?? '(none)'}`);
  return { nodeFlags: words.slice(node + 1, scriptAt), script: join(root, script.slice(INSTALL_DIR.length)), args: words.slice(scriptAt + 1) };
}
