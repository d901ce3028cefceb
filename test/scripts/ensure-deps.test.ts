import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The pre-scripts' staleness check (scripts/ensure-deps.mjs) agrees with npm: whatever installed
 * node_modules (npm install, npm ci, the pre-script itself), the next `npm start` or `npm test`
 * installs nothing, and a changed lockfile triggers one install. Real npm runs here, offline,
 * on a small project whose dependencies are local tarballs.
 */
const root = join(import.meta.dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function check(dir: string) {
  const run = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-deps.mjs'), '--check'], {
    encoding: 'utf8',
  });
  return { fresh: run.status === 0, said: `${run.stdout}${run.stderr}`.trim() };
}

function npmIn(dir: string, ...args: string[]): void {
  execFileSync(npm, [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'pipe',
  });
}

/** A package tarball made with npm pack: no registry involved. */
function tarball(dir: string, name: string, version: string): string {
  const source = join(dir, 'src', `${name}-${version}`);
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  writeFileSync(join(source, 'index.js'), `module.exports = ${JSON.stringify(version)};\n`);
  const file = execFileSync(npm, ['pack', '--silent', '--pack-destination', dir], {
    cwd: source,
    encoding: 'utf8',
  });
  return `file:./${file.trim()}`;
}

describe('The dependency check before npm start and npm test', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-sync-deps-'));
    cpSync(join(root, 'scripts', 'ensure-deps.mjs'), join(dir, 'scripts', 'ensure-deps.mjs'));
    cpSync(join(root, 'scripts', 'deps-state.mjs'), join(dir, 'scripts', 'deps-state.mjs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function project(dependencies: Record<string, string>): void {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', dependencies }));
  }

  it('is satisfied by this checkout as installed', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-deps.mjs'), '--check'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
  });

  it('is satisfied after `npm install` and after `npm ci`, by anyone', () => {
    project({ left: tarball(dir, 'left', '1.0.0') });
    npmIn(dir, 'install');
    assert.equal(check(dir).fresh, true, check(dir).said);
    rmSync(join(dir, 'node_modules'), { recursive: true });
    assert.deepEqual(check(dir), { fresh: false, said: 'dependencies are not installed' });
    npmIn(dir, 'ci');
    assert.equal(check(dir).fresh, true, check(dir).said);
  });

  it('asks for one install when the lockfile changed, and is satisfied after it', () => {
    project({ left: tarball(dir, 'left', '1.0.0') });
    npmIn(dir, 'install');
    const installed = readFileSync(join(dir, 'package-lock.json'), 'utf8');

    // Someone else upgraded `left` and added `right`; we pulled their package.json and lockfile.
    const other = mkdtempSync(join(tmpdir(), 'crm-sync-deps-other-'));
    try {
      cpSync(join(dir, 'scripts'), join(other, 'scripts'), { recursive: true });
      const deps = { left: tarball(other, 'left', '2.0.0'), right: tarball(other, 'right', '1.0.0') };
      writeFileSync(
        join(other, 'package.json'),
        JSON.stringify({ name: 'p', version: '1.0.0', dependencies: deps }),
      );
      npmIn(other, 'install');
      for (const file of ['package.json', 'package-lock.json']) cpSync(join(other, file), join(dir, file));
      for (const tgz of ['left-2.0.0.tgz', 'right-1.0.0.tgz']) cpSync(join(other, tgz), join(dir, tgz));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    assert.notEqual(readFileSync(join(dir, 'package-lock.json'), 'utf8'), installed);
    const stale = check(dir);
    assert.equal(stale.fresh, false);
    assert.match(
      stale.said,
      /package-lock\.json changed: node_modules\/(left is 1\.0\.0, the lockfile wants 2\.0\.0|right is not installed)/,
    );

    const install = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-deps.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, npm_config_offline: 'true' },
    });
    assert.equal(install.status, 0, install.stderr);
    assert.match(install.stderr, /installing from package-lock\.json with npm ci/);
    assert.equal(check(dir).fresh, true, check(dir).said);
    assert.equal(
      readFileSync(join(dir, 'node_modules', 'left', 'index.js'), 'utf8').trim(),
      'module.exports = "2.0.0";',
    );
  });

  it("never installs through a node_modules that links to another checkout's", () => {
    const other = mkdtempSync(join(tmpdir(), 'crm-sync-deps-shared-'));
    try {
      writeFileSync(join(other, 'kept.txt'), 'the other checkout’s packages');
      project({ left: tarball(dir, 'left', '1.0.0') });
      npmIn(dir, 'install', '--package-lock-only');
      symlinkSync(other, join(dir, 'node_modules'));
      const run = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-deps.mjs')], {
        encoding: 'utf8',
      });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /links to another checkout's packages, which npm ci would replace/);
      assert.equal(readFileSync(join(other, 'kept.txt'), 'utf8'), 'the other checkout’s packages');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('notices a package removed from node_modules by hand', () => {
    project({ left: tarball(dir, 'left', '1.0.0') });
    npmIn(dir, 'install');
    rmSync(join(dir, 'node_modules', 'left'), { recursive: true });
    assert.deepEqual(check(dir), { fresh: false, said: 'node_modules/left is missing from node_modules' });
  });

  it('says so, and installs nothing, when package.json was edited without updating the lockfile', () => {
    project({ left: tarball(dir, 'left', '1.0.0') });
    npmIn(dir, 'install');
    project({ left: tarball(dir, 'left', '1.0.0'), right: '^1.0.0' });
    const run = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-deps.mjs')], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /package\.json's dependencies differ from package-lock\.json: run `npm install`/,
    );
  });
});
