/**
 * The host simulator for the throughput bench, on its own thread: the load
 * generator (50 connections, framing, timing) must not share an event loop
 * with the system it measures. Kept outside `bench/suites/` (the runner loads
 * every file there); `suites/host-sim.ts` starts it as a worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Deck } from '../hw-mocks/cards/deck.js';
import { startHostSimServer } from '../hw-mocks/host/host-sim-server.js';

const port = parentPort;
if (port === null) throw new Error('host-sim-worker runs as a worker thread');
const { deck, ioThread } = workerData as { deck: Deck; ioThread: boolean };
const sim = await startHostSimServer({ port: 0, deck, requireMac: true, ioThread });
port.postMessage({ kind: 'ready', port: sim.endpoint('iso8583')?.port ?? 0 });
port.on('message', (message: { kind: string }) => {
  if (message.kind !== 'stop') return;
  const approved = sim.issuer.ledger.filter((e) => e.responseCode === '00').length;
  void sim.stop().then(() => {
    port.postMessage({ kind: 'stopped', approved });
    port.close();
  });
});
