// Installs dependencies from the lockfile when node_modules is missing or older than the lockfile.
// Runs as an npm pre-script on whatever Node the machine has (it may be older than the pinned one),
// so it sticks to plain JavaScript and node: built-ins that every supported Node has.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockfile = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.crm-sync-lock-hash');
const pinnedNode = join(root, 'node_modules', '.bin', 'node');

const want = createHash('sha256').update(readFileSync(lockfile)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';

if (have === want && existsSync(pinnedNode)) process.exit(0);

console.error(
  have
    ? 'package-lock.json changed: reinstalling dependencies with npm ci'
    : 'Installing dependencies with npm ci',
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('npm ci failed; see the output above.');
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, `${want}\n`);
