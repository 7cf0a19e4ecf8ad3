/**
 * The unit tier's promise, kept: a unit test runs in this process and talks to
 * no one. Opening a socket throws, and so does starting a process other than
 * the tools that only make or fault files on this machine (journal-helpers'
 * journal-helpers', tiny-fs's and mounts' mount, tls-certs' openssl).
 */
import { refuseProcesses, refuseSockets } from './process-guard.js';

const FILE_TOOLS = new Set(['mount', 'umount', 'openssl']);
const MOVE_TO = 'wire tier (sockets, ptys) or the system tier (processes)';

refuseSockets('unit', MOVE_TO);
refuseProcesses('unit', MOVE_TO, (start) => start.starter !== 'fork' && FILE_TOOLS.has(start.program), 'started a process');
