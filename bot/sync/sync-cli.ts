/**
 * The sync from the command line, for operators and benchmarks:
 *
 *   npm run sync -- --user <id or UPN> [--tenant <id>] [--all | --automatic | --resend-all | --selected <message id>]
 *                   [--folder <id or well-known name>]... [--enable] [--days-back N] [--attachments]
 *
 * In sandbox mode it talks to the Microsoft 365 sandbox (start it with `npm start` or `npm run sandbox`)
 * and the embedded store in DATA_DIR. It prints a progress line per page and the run's summary as JSON.
 */
import { parseArgs } from 'node:util';
import { createServices } from '../composition.ts';
import { loadConfigOrExit } from '../config/config.ts';
import { readDirectoryFixture, seedSandboxDirectory } from '../crm/directory-seed.ts';
import { createLogger } from '../logging/logger.ts';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    tenant: { type: 'string' },
    all: { type: 'boolean', default: false },
    automatic: { type: 'boolean', default: false },
    'resend-all': { type: 'boolean', default: false },
    selected: { type: 'string' },
    folder: { type: 'string', multiple: true },
    enable: { type: 'boolean', default: false },
    'days-back': { type: 'string' },
    attachments: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const config = loadConfigOrExit(2);
if (!values.user) fail('--user <id or UPN> is required');
const logger = createLogger({
  level: values.quiet ? 'warn' : config.logLevel === 'info' ? 'warn' : config.logLevel,
});
const services = await createServices(config, logger);
try {
  let tenantId = values.tenant;
  if (config.mode === 'sandbox') {
    await seedSandboxDirectory(services.crm, logger);
    tenantId ??= readDirectoryFixture().tenantId;
  }
  if (!tenantId) fail('--tenant <id> is required in Azure mode');
  const mailbox = await services.mailSource.mailbox(values.user);
  const user = { tenantId, userId: mailbox.id };

  if (values.enable || values['days-back'] || values.attachments) {
    const current = await services.settings.get(tenantId, mailbox.id);
    await services.settings.save(tenantId, mailbox.id, {
      ...(current?.settings ?? { enabledAt: new Date().toISOString() }),
      emailSync: true,
      ...(values['days-back'] ? { daysBack: Number(values['days-back']) } : {}),
      ...(values.attachments ? { attachments: true } : {}),
    });
  }
  if (!values.quiet) {
    services.events.on('progress', (p) =>
      process.stdout.write(
        `${p.folder}: ${p.processed}/${p.total} processed (synced ${p.byStatus.synced}, no match ${p.byStatus.no_match}, errors ${p.byStatus.error})\n`,
      ),
    );
  }
  const summary = values.selected
    ? (await services.mailSync.syncSelected(user, values.selected, 'cli')).summary
    : await services.mailSync.run(user, {
        mode: values['resend-all'] ? 'resend_all' : values.automatic ? 'automatic' : 'all',
        trigger: 'cli',
        ...(values.folder ? { folders: values.folder } : {}),
      });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.status === 'completed' ? 0 : 1;
} finally {
  await services.close();
}
