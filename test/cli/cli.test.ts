import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Every command a person types answers --help, and a bad argument with one line and exit code 2. */
const root = join(import.meta.dirname, '..', '..');

const CLIS = {
  sync: 'bot/sync/sync-cli.ts',
  bench: 'bench/run.ts',
  package: 'scripts/app-package.ts',
  'try-action': 'scripts/try-message-action.ts',
  worker: 'bot/worker/worker-main.ts',
};

function run(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
    // No Azure setting may leak in from the machine: the commands must not get as far as starting.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertOneLineUsageError(result: ReturnType<typeof run>, command: string, says: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, not:\n${result.stderr}`);
  assert.match(lines[0]!, new RegExp(`^npm run ${command} --: `));
  assert.match(lines[0]!, says);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

describe('Command-line manners', function () {
  this.timeout(60_000);

  for (const [command, script] of Object.entries(CLIS)) {
    it(`npm run ${command} -- --help prints its usage and exits 0`, () => {
      const result = run(script, '--help');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^usage: npm run ${command} --`));
      assert.ok(result.stdout.split('\n').length > 3, 'says what the command does');
    });

    it(`npm run ${command} with an unknown option says so in one line and exits 2`, () => {
      assertOneLineUsageError(run(script, '--no-such-option'), command, /Unknown option '--no-such-option'/);
    });
  }

  it('sync: --days-back must be a whole number of days in range', () => {
    for (const bad of ['abc', '-1', '3651', '1.5', '1e3']) {
      assertOneLineUsageError(
        run(CLIS.sync, '--user', 'x', `--days-back=${bad}`),
        'sync',
        new RegExp(`--days-back takes a whole number from 0 to 3650, not '${bad.replace('.', '\\.')}'`),
      );
    }
  });

  it('sync: --user is required, and one mode at a time', () => {
    assertOneLineUsageError(run(CLIS.sync), 'sync', /--user <id or UPN> is required/);
    assertOneLineUsageError(run(CLIS.sync, '--user', 'x', '--all', '--resend-all'), 'sync', /choose one of/);
  });

  it('bench: names the benchmarks when the one asked for does not exist', () => {
    assertOneLineUsageError(run(CLIS.bench, 'nope'), 'bench', /no benchmark 'nope'; there are backfill, /);
    assertOneLineUsageError(run(CLIS.bench), 'bench', /name a benchmark/);
  });

  it('try-action: one line when the Playground is not running', () => {
    const result = run(CLIS['try-action'], '--playground', 'http://127.0.0.1:9', 'hello');
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /the Agents Playground does not answer at http:\/\/127\.0\.0\.1:9: start it/);
  });

  it('package: names the settings it needs when they are missing', () => {
    assertOneLineUsageError(
      run(CLIS.package),
      'package',
      /Set these to build the app package: .*TEAMS_APP_ID/,
    );
  });
});
