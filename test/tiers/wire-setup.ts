/**
 * The wire tier runs real sockets and ptys against the sources, never the
 * built `pos`: a test that starts `dist/` belongs to the system tier, whose
 * runs first check that `dist/` is not older than the sources.
 */
import { refuseProcesses, runsDist } from './process-guard.js';

refuseProcesses('wire', 'system tier', (start) => !runsDist(start), 'ran the built project from dist/');
