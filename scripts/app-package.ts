/**
 * Builds the Teams app package: appPackage/manifest.json with its ${{NAME}} placeholders filled from
 * the environment, plus the two icons, zipped into appPackage/build/appPackage.<env>.zip.
 *
 *   npm run package              # placeholders from the environment (what teamsapp.yml provides)
 *   npm run package -- --local   # local values for the Playground and a quick look
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { UsageError, parseCli, runCli } from '../bot/cli/cli.ts';

export const APP_PACKAGE_DIR = join(import.meta.dirname, '..', 'appPackage');

/** Values for a local package: the bot id is the Playground's, the domain this machine. */
export const LOCAL_VALUES: Record<string, string> = {
  TEAMS_APP_ID: '5d0b2f8e-1c7a-4e3b-9f6d-8a2c4e6b0d1f',
  BOT_ID: '00000000-0000-0000-0000-000000000011',
  AAD_APP_CLIENT_ID: '00000000-0000-0000-0000-000000000011',
  BOT_DOMAIN: 'localhost',
  APP_NAME_SUFFIX: ' (local)',
};

export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)].map((m) => m[1] as string))];
}

/** The manifest with every placeholder filled; names every value that is missing. */
export function fillManifest(
  template: string,
  values: Record<string, string | undefined>,
): Record<string, unknown> {
  const missing = placeholders(template).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`Set these to build the app package: ${missing.join(', ')}`);
  return JSON.parse(
    template.replace(/\$\{\{([A-Z0-9_]+)\}\}/g, (_, name: string) => values[name] ?? ''),
  ) as Record<string, unknown>;
}

export function buildPackage(values: Record<string, string | undefined>): Uint8Array {
  const manifest = fillManifest(readFileSync(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8'), values);
  return zipSync({
    'manifest.json': Buffer.from(JSON.stringify(manifest, null, 2)),
    'color.png': readFileSync(join(APP_PACKAGE_DIR, 'color.png')),
    'outline.png': readFileSync(join(APP_PACKAGE_DIR, 'outline.png')),
  });
}

if (import.meta.main) {
  const COMMAND = 'npm run package --';
  const { values: args } = parseCli({
    command: COMMAND,
    usage: `[--local]

Builds the Teams app package into appPackage/build/appPackage.<env>.zip.
  (no option)   placeholders (TEAMS_APP_ID, BOT_ID, AAD_APP_CLIENT_ID, BOT_DOMAIN, ...) from the
                environment, as teamsapp.yml provides them; <env> is TEAMSFX_ENV (default dev)
  --local       local values for the Playground and a quick look`,
    options: { local: { type: 'boolean', default: false } },
  });
  await runCli(COMMAND, () => {
    const env = args.local ? 'local' : (process.env.TEAMSFX_ENV ?? 'dev');
    const values = args.local ? { ...LOCAL_VALUES, ...process.env } : { APP_NAME_SUFFIX: '', ...process.env };
    let zip: Uint8Array;
    try {
      zip = buildPackage(values);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const out = join(APP_PACKAGE_DIR, 'build', `appPackage.${env}.zip`);
    mkdirSync(join(APP_PACKAGE_DIR, 'build'), { recursive: true });
    writeFileSync(out, zip);
    console.log(`wrote ${out}`);
  });
}
