/** What `pos run` does: the terminal's main job — devices, host channel and ECR API, until SIGINT/SIGTERM. */
import { stateDirFor } from '../../app/state-dir.js';
import { startTerminal } from '../../app/terminal.js';
import { ServiceNotifier } from '../../app/watchdog.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';

export interface RunOptions {
  readonly ecrPort?: number;
}

export async function runTerminal(opts: RunOptions, configPath: string | undefined): Promise<void> {
  const { config, path } = loadConfig({ path: configPath });
  const logger = createLogger({ level: config.log.level, name: 'pos' });
  logger.info({ config: path ?? '(built-in simulation)' }, 'starting');
  const terminal = await startTerminal(config, {
    logger,
    displayOut: process.stdout,
    stateDir: stateDirFor(config, path),
    ...(opts.ecrPort === undefined ? {} : { ecrPort: opts.ecrPort }),
  });
  process.stdout.write(`pos-terminal ready: ECR API on ${terminal.ecrUrl}\n`);
  // Under systemd (Type=notify): READY once serving, watchdog pings from the event loop, STOPPING on the way out.
  const notifier = new ServiceNotifier({ logger });
  await notifier.ready();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  await notifier.stopping();
  await terminal.close();
  notifier.close();
}
