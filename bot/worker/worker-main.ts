/**
 * An extra worker process: `npm run worker`. The app already runs one worker in its own process;
 * more processes (or App Service instances) share the queue, and mailbox leases keep each mailbox
 * to one of them at a time. Ctrl-C or SIGTERM finishes the jobs under way and releases their leases.
 */
import { parseCli } from '../cli/cli.ts';
import { createServices } from '../composition.ts';
import { loadConfigOrExit } from '../config/config.ts';
import { createLogger } from '../logging/logger.ts';

parseCli({
  command: 'npm run worker --',
  usage: `

Starts another worker process (and scheduler) on the same queue and store as the app, configured by
the same environment as \`npm run server\`. Several processes share the work; a mailbox is synced by
one at a time. Ctrl-C or SIGTERM finishes the jobs under way and releases their mailboxes.`,
  options: {},
});
const config = loadConfigOrExit(2);
const logger = createLogger({ level: config.logLevel, name: 'crm-sync-worker' });
const services = await createServices(config, logger);
services.worker.start();
// Every instance may run the scheduler: a slot is claimed by exactly one of them.
services.scheduler.start();
logger.info({ owner: services.worker.owner, mode: config.mode }, 'worker started');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker stopping: finishing jobs under way');
    services.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
