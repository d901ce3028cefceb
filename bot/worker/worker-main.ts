/**
 * An extra worker process: `npm run worker`. The app already runs one worker in its own process;
 * more processes (or App Service instances) share the queue, and mailbox leases keep each mailbox
 * to one of them at a time. Ctrl-C or SIGTERM finishes the jobs under way and releases their leases.
 */
import { createServices } from '../composition.ts';
import { loadConfigOrExit } from '../config/config.ts';
import { createLogger } from '../logging/logger.ts';

const config = loadConfigOrExit();
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
