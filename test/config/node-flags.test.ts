import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../bot/config/node-flags.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the Node.js flags the app runs with', () => {
  it('are on every command that starts the app, the worker or a sync, here and in Azure', () => {
    assert.ok(NODE_FLAGS.length > 0);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const bicep = /appCommandLine: '([^']*)'/.exec(read('infra/azure.bicep'))?.[1];
    const commands: Record<string, string | undefined> = {
      'npm run server': scripts.server,
      'npm run worker': scripts.worker,
      'npm run sync': scripts.sync,
      "App Service's start command": bicep,
    };
    for (const [where, command] of Object.entries(commands)) {
      assert.ok(command, `${where} is there`);
      // Flags come before the script: after it they would be the script's arguments.
      const script = command.search(/\sbot\/\S+\.ts/);
      for (const flag of NODE_FLAGS) {
        const at = command.indexOf(` ${flag} `);
        assert.ok(at > 0 && at < script, `${where} runs node with ${flag}: ${command}`);
      }
    }
    const launch = read('.vscode/launch.json');
    for (const program of ['bot/main.ts', 'bot/worker/worker-main.ts']) {
      const config = launch.slice(0, launch.indexOf(program));
      const args = /"runtimeArgs": \[([^\]]*)\]\s*,\s*"program": "[^"]*$/.exec(config)?.[1] ?? '';
      for (const flag of NODE_FLAGS)
        assert.ok(args.includes(`"${flag}"`), `VS Code's ${program} runs with ${flag}`);
    }
    // npm start's app and the benchmarks' processes take the list itself.
    for (const file of [
      'scripts/start-local.ts',
      'bench/mail-strategies.ts',
      'bench/fan-in.ts',
      'bench/soak.ts',
    ])
      assert.match(read(file), /\.\.\.NODE_FLAGS/, file);
  });
});
