/**
 * `npm run validate:toolkit`: the Microsoft 365 Agents Toolkit's own checks, opt-in (CI runs it).
 * The toolkit's CLI is not in the default install (about 400 packages); the npm script brings the
 * pinned version with `npm exec` and runs this inside it:
 *
 *   1. teamsapp.yml and teamsapp.local.yml against the YAML schema the toolkit ships for their
 *      version, and that schema against the copy the offline tests use (test/infra/schemas/);
 *   2. `atk package` and `atk validate` of the app package, for the dev environment (with the values
 *      provisioning would write) and for local (the values `npm run package -- --local` uses).
 *
 * Everything happens in a temporary copy of the project files; nothing here is changed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { parseCli, runCli } from '../bot/cli/cli.ts';
import { LOCAL_VALUES } from './app-package.ts';

const root = join(import.meta.dirname, '..');
const COMMAND = 'npm run validate:toolkit --';

parseCli({
  command: COMMAND,
  usage:
    '\n\nRuns the Agents Toolkit CLI (brought by the npm script at its pinned version) on the project files.',
  options: {},
});

/** What provisioning writes into env/.env.dev (any well-formed values do for packaging). */
const PROVISIONED_DEV: Record<string, string> = {
  TEAMS_APP_ID: '5d0b2f8e-1c7a-4e3b-9f6d-8a2c4e6b0d1f',
  BOT_ID: '11111111-2222-3333-4444-555555555555',
  AAD_APP_CLIENT_ID: '22222222-3333-4444-5555-666666666666',
  BOT_DOMAIN: 'crmsyncdev-app.azurewebsites.net',
};

/** The toolkit's package folder, found through the `atk` that `npm exec` put on the PATH. */
function toolkitDir(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'atk');
    try {
      accessSync(bin, constants.X_OK);
      return dirname(realpathSync(bin));
    } catch {
      continue;
    }
  }
  throw new Error(
    'the Agents Toolkit CLI (atk) is not on the PATH: run this through `npm run validate:toolkit`',
  );
}

function checkYamlSchemas(cli: string): void {
  for (const file of ['teamsapp.yml', 'teamsapp.local.yml']) {
    const project = parseYaml(readFileSync(join(root, file), 'utf8')) as { version: string };
    const shipped = JSON.parse(
      readFileSync(join(cli, 'resource', 'yaml-schema', project.version, 'yaml.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    const kept = join(
      root,
      'test',
      'infra',
      'schemas',
      `m365-agents-toolkit-${project.version}.yaml.schema.json`,
    );
    assert.deepEqual(
      JSON.parse(readFileSync(kept, 'utf8')),
      shipped,
      `${kept} differs from the schema the toolkit ships for ${project.version}: copy it again`,
    );
    delete shipped.$schema;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(shipped);
    assert.ok(validate(project), `${file}: ${JSON.stringify(validate.errors, null, 1)}`);
    console.log(`${file}: valid against the toolkit's ${project.version} schema`);
  }
}

async function packageAndValidate(cli: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-atk-'));
  try {
    for (const path of ['teamsapp.yml', 'teamsapp.local.yml', 'env', 'appPackage', 'infra', 'package.json'])
      cpSync(join(root, path), join(dir, path), { recursive: true });
    const envFile = join(dir, 'env', '.env.dev');
    writeFileSync(
      envFile,
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((line) => !(line.split('=')[0]! in PROVISIONED_DEV))
        .concat(Object.entries(PROVISIONED_DEV).map(([k, v]) => `${k}=${v}`))
        .join('\n'),
    );
    for (const [env, values] of [
      ['dev', {}],
      ['local', LOCAL_VALUES],
    ] as const) {
      const atk = (command: string) =>
        promisify(execFile)(
          process.execPath,
          [join(cli, 'cli.js'), command, '--env', env, '--interactive', 'false', '--telemetry', 'false'],
          { cwd: dir, env: { ...process.env, ...values, TEAMSFX_TELEMETRY_DISABLED: 'true' } },
        ).catch((error: { stdout?: string; stderr?: string }) => {
          throw new Error(`atk ${command} --env ${env} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
        });
      const packaged = await atk('package');
      assert.match(
        packaged.stdout,
        new RegExp(`appPackage\\.${env}\\.zip built successfully`),
        packaged.stdout,
      );
      const validated = await atk('validate');
      assert.match(validated.stdout, /checked manifest\(s\) with the corresponding schema[\s\S]*All passed/);
      assert.match(validated.stdout, /against validation rules\. All passed/, validated.stdout);
      console.log(`app package (${env}): built and validated by the toolkit`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await runCli(COMMAND, async () => {
  const cli = toolkitDir();
  const { version } = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')) as { version: string };
  console.log(`Microsoft 365 Agents Toolkit CLI ${version}`);
  checkYamlSchemas(cli);
  await packageAndValidate(cli);
});
