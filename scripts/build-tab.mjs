// Builds the settings tab (tab/ → dist/tab) with Vite. `--if-stale` skips the build when dist/tab
// is newer than every source file, so `npm start` and `npm test` build only after a change.
// Plain JavaScript: it runs from pre-scripts, before Node 24 from node_modules may be on the PATH.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const source = join(root, 'tab');
const output = join(root, 'dist', 'tab', 'index.html');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const lockfile = join(root, 'package-lock.json');
const stale =
  !existsSync(output) || statSync(output).mtimeMs < Math.max(newest(source), statSync(lockfile).mtimeMs);
if (process.argv.includes('--if-stale') && !stale) process.exit(0);

const { build } = await import('vite');
const started = Date.now();
await build({ configFile: join(source, 'vite.config.ts') });
console.log(`settings tab built into dist/tab in ${((Date.now() - started) / 1000).toFixed(1)} s`);
