/**
 * The sync from the command line, for operators and benchmarks:
 *
 *   npm run sync -- --user <id or UPN> [--tenant <id>] [--all | --automatic | --resend-all | --selected <message id>]
 *                   [--folder <id or well-known name>]... [--enable] [--days-back N] [--attachments]
 *                   [--contacts] [--tasks] [--calendar] [--sync-deleted] [--other-info] [--only <kinds>]
 *
 * In sandbox mode it talks to the Microsoft 365 sandbox (start it with `npm start` or `npm run sandbox`)
 * and the embedded store in DATA_DIR. It prints a progress line per page and the run's summary as JSON.
 */
import { UsageError, integerOption, parseCli, runCli } from '../cli/cli.ts';
import { createServices, prepareSandboxTenant } from '../composition.ts';
import { loadConfigOrExit } from '../config/config.ts';
import { createLogger } from '../logging/logger.ts';
import { DAYS_BACK_MAX } from './sync-settings.ts';
import { SYNC_KINDS, type SyncKind } from './mail-sync.ts';

const COMMAND = 'npm run sync --';
const { values } = parseCli({
  command: COMMAND,
  usage: `--user <id or UPN> [options]

Syncs one mailbox into the CRM now (in sandbox mode: the Microsoft 365 sandbox that \`npm start\`
or \`npm run sandbox\` runs, and the embedded store in DATA_DIR).

What to sync (one of; default --all):
  --all                   every folder the user's settings select
  --automatic             as a schedule or a change notification would: never Deleted Items, Outbox, Junk
  --resend-all            everything again, refreshing the CRM's activities
  --selected <message id> one email, whatever the folder settings (the seeds' "Sync Selected")
  --folder <id or name>   only this folder (well-known names such as inbox, sentitems); repeatable
  --only <kinds>          only these kinds, comma-separated: email, contact, task, event

Settings to change first:
  --enable                turn email sync on
  --days-back <0-${DAYS_BACK_MAX}>     scan back this many days instead of from the cutoff
  --attachments           sync attachments too
  --contacts              turn contact sync on (your confirmation that it can duplicate or
                          overwrite CRM contacts, the reasons it is off by default)
  --tasks                 turn task sync on (Microsoft To Do)
  --calendar              turn calendar sync on
  --sync-deleted          tasks and appointments deleted in Outlook are deleted in the CRM
  --other-info            put a task's other Outlook fields into its CRM description

Other:
  --user <id or UPN>      the mailbox (required)
  --tenant <id>           the user's tenant (required in Azure mode)
  --quiet                 no progress lines, only the summary
  -h, --help              this text`,
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
    contacts: { type: 'boolean', default: false },
    tasks: { type: 'boolean', default: false },
    calendar: { type: 'boolean', default: false },
    'sync-deleted': { type: 'boolean', default: false },
    'other-info': { type: 'boolean', default: false },
    only: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

await runCli(COMMAND, async () => {
  if (!values.user) throw new UsageError('--user <id or UPN> is required');
  const daysBack = integerOption(values['days-back'], 'days-back', { min: 0, max: DAYS_BACK_MAX });
  const modes = (['all', 'automatic', 'resend-all'] as const).filter((m) => values[m]);
  if (modes.length + (values.selected ? 1 : 0) > 1) {
    throw new UsageError('choose one of --all, --automatic, --resend-all and --selected');
  }
  const only = values.only?.split(',').map((k) => k.trim());
  const unknown = only?.filter((k) => !(SYNC_KINDS as readonly string[]).includes(k)) ?? [];
  if (unknown.length > 0)
    throw new UsageError(`--only takes ${SYNC_KINDS.join(', ')}; not ${unknown.join(', ')}`);
  const config = loadConfigOrExit(2);
  const logger = createLogger({
    level: values.quiet ? 'warn' : config.logLevel === 'info' ? 'warn' : config.logLevel,
  });
  const services = await createServices(config, logger);
  try {
    let tenantId = values.tenant;
    if (config.mode === 'sandbox') {
      tenantId ??= await prepareSandboxTenant(services, logger);
    }
    if (!tenantId) throw new UsageError('--tenant <id> is required in Azure mode');
    const mailbox = await services.mailSource.mailbox(values.user);
    const user = { tenantId, userId: mailbox.id };

    const itemsAsked = values.contacts || values.tasks || values.calendar;
    if (values.enable || daysBack !== undefined || values.attachments || itemsAsked) {
      const current = (await services.settings.get(tenantId, mailbox.id))?.settings;
      const syncDeleted = values['sync-deleted'];
      await services.settings.save(tenantId, mailbox.id, {
        ...(current ?? { enabledAt: new Date().toISOString() }),
        // Email stays as it was when only other kinds are asked for (on for a new user, the default).
        ...(values.enable || !itemsAsked ? { emailSync: true } : {}),
        ...(daysBack !== undefined ? { daysBack } : {}),
        ...(values.attachments ? { attachments: true } : {}),
        ...(values.contacts ? { contacts: { enabled: true, confirmedAt: new Date().toISOString() } } : {}),
        ...(values.tasks
          ? { tasks: { enabled: true, syncDeleted, otherInfoInDescription: values['other-info'] } }
          : {}),
        ...(values.calendar ? { calendar: { enabled: true, syncDeleted } } : {}),
      });
    }
    if (!values.quiet) {
      services.events.on('progress', (p) =>
        process.stdout.write(
          p.items
            ? `${p.folder}: ${p.items.processed} processed (synced ${p.items.synced}, unchanged ${p.items.unchanged}, errors ${p.items.errors})\n`
            : `${p.folder}: ${p.processed}/${p.total} processed (synced ${p.byStatus.synced}, no match ${p.byStatus.no_match}, errors ${p.byStatus.error})\n`,
        ),
      );
    }
    const summary = values.selected
      ? (await services.mailSync.syncSelected(user, values.selected, 'cli')).summary
      : await services.mailSync.run(user, {
          mode: values['resend-all'] ? 'resend_all' : values.automatic ? 'automatic' : 'all',
          trigger: 'cli',
          ...(values.folder ? { folders: values.folder } : {}),
          ...(only ? { kinds: only as SyncKind[] } : {}),
        });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.exitCode = summary.status === 'completed' ? 0 : 1;
  } finally {
    await services.close();
  }
});
