// Makes sure the browser for the tab's tests is here: Debian's Chromium, driven by playwright-core
// (Playwright's own browser download needs internet this project doesn't assume). Installs it with
// apt-get when running as root on Debian (CI, dev containers); elsewhere says what to do.
// CHROMIUM_PATH points at another Chromium or Chrome (e.g. on a Mac).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !existsSync('/usr/bin/apt-get') || process.env.CHROMIUM_PATH) {
  console.warn(
    `Chromium is not at ${path}: the settings tab's browser tests will fail.\n` +
      'Install Debian\'s "chromium" package (sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome.',
  );
  process.exit(0);
}
console.log('Installing Debian Chromium for the settings tab browser tests (once)...');
const apt = (args) =>
  execFileSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
apt(['update', '-qq']);
apt(['install', '-y', '-qq', 'chromium']);
console.log(`Chromium installed at ${path}.`);
