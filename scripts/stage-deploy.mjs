// Stages what App Service runs into .deploy/: the server's code, the built settings tab and
// production dependencies installed from the lockfile (no tests, no seed data). Your own
// node_modules stay as they are. `atk deploy` (teamsapp.yml) zips .deploy/ to App Service.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.deploy');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

execFileSync(process.execPath, [join(root, 'scripts', 'build-tab.mjs')], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
for (const path of ['bot', 'dist', 'package.json', 'package-lock.json', '.nvmrc']) {
  if (existsSync(join(root, path))) cpSync(join(root, path), join(out, path), { recursive: true });
}
// --omit=dev drops the build tools and the pinned Node (App Service brings Node 24 itself);
// --ignore-scripts: production needs no install scripts.
execFileSync(npm, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
  cwd: out,
  stdio: 'inherit',
});
console.log(`staged the app for App Service in ${out}`);
