// Installs dependencies from the lockfile (`npm ci`) when node_modules does not hold what
// package-lock.json asks for: missing, or installed from another lockfile. An install someone ran
// by hand (`npm install`, `npm ci`) counts: see deps-state.mjs. `--check` only reports (exit 0 when
// up to date, 1 otherwise). Runs as an npm pre-script on whatever Node the machine has (it may be
// older than the pinned one), so it sticks to plain JavaScript and node: built-ins.
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { depsState } from './deps-state.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const state = depsState(root);
const checkOnly = process.argv.includes('--check');

if (state.fresh) {
  if (checkOnly) console.log('dependencies are up to date with package-lock.json');
  process.exit(0);
}
if (checkOnly || state.install === 'none') {
  console.error(state.reason);
  process.exit(1);
}

// A node_modules that links to another checkout's (a git worktree sharing one install) is that
// checkout's: npm ci would empty it and install this lockfile's packages there instead.
if (lstatSync(join(root, 'node_modules'), { throwIfNoEntry: false })?.isSymbolicLink()) {
  console.error(
    `${state.reason}, and node_modules links to another checkout's packages, which npm ci would replace: ` +
      'remove the link (rm node_modules) and run again to install this checkout its own.',
  );
  process.exit(1);
}

console.error(`${state.reason}: installing from package-lock.json with npm ci`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('npm ci failed; see the output above.');
  process.exit(result.status ?? 1);
}
// What npm ci left must satisfy the check, or every later command would install again.
const after = depsState(root);
if (!after.fresh) {
  console.error(`npm ci finished, but ${after.reason}`);
  process.exit(1);
}
