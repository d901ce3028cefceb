// Whether node_modules holds exactly what package-lock.json asks for, judged the way npm itself
// records an install: every `npm install` and `npm ci` writes node_modules/.package-lock.json (the
// "hidden lockfile") listing what it put there. So an install by anyone, by hand or by our
// pre-scripts, counts, and a changed lockfile (a pull, a new dependency) does not.
// Plain JavaScript and node: built-ins only: it runs on whatever Node the machine has.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Same keys and values, whatever the order. */
function sameMap(a = {}, b = {}) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * @param {string} root the project folder
 * @returns {{ fresh: true } | { fresh: false, reason: string, install: 'ci' | 'none' }}
 *   install 'ci': `npm ci` brings node_modules in line; 'none': the lockfile itself is out of date.
 */
export function depsState(root) {
  const manifest = readJson(join(root, 'package.json'));
  if (!existsSync(join(root, 'package-lock.json'))) {
    return {
      fresh: false,
      install: 'none',
      reason: 'package-lock.json is missing: run `npm install` to create it',
    };
  }
  const lock = readJson(join(root, 'package-lock.json'));
  const declared = lock.packages?.[''] ?? {};
  const drifted = DEPENDENCY_FIELDS.find((field) => !sameMap(manifest[field], declared[field]));
  if (drifted) {
    return {
      fresh: false,
      install: 'none',
      reason: `package.json's ${drifted} differ from package-lock.json: run \`npm install\` to update the lockfile`,
    };
  }
  const hiddenPath = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hiddenPath))
    return { fresh: false, install: 'ci', reason: 'dependencies are not installed' };
  const installed = readJson(hiddenPath).packages ?? {};
  const wanted = lock.packages ?? {};

  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '' || entry.link) continue;
    const have = installed[path];
    // Optional packages for other platforms (a darwin binary on Linux) are never installed.
    if (!have) {
      if (entry.optional || entry.devOptional) continue;
      return { fresh: false, install: 'ci', reason: `package-lock.json changed: ${path} is not installed` };
    }
    if (have.version !== entry.version || (entry.integrity && have.integrity !== entry.integrity)) {
      return {
        fresh: false,
        install: 'ci',
        reason: `package-lock.json changed: ${path} is ${have.version}, the lockfile wants ${entry.version}`,
      };
    }
  }
  for (const path of Object.keys(installed)) {
    if (!wanted[path]) {
      return { fresh: false, install: 'ci', reason: `package-lock.json changed: ${path} is no longer in it` };
    }
    // A folder removed by hand after the install.
    if (!installed[path].link && !existsSync(join(root, path, 'package.json'))) {
      return { fresh: false, install: 'ci', reason: `${path} is missing from node_modules` };
    }
  }
  // The pinned Node.js comes from the `node` package's install script, which the lockfile cannot show.
  if (wanted['node_modules/node'] && !existsSync(join(root, 'node_modules', '.bin', 'node'))) {
    return {
      fresh: false,
      install: 'ci',
      reason: "the project's Node.js (node_modules/.bin/node) is missing: were install scripts skipped?",
    };
  }
  return { fresh: true };
}
