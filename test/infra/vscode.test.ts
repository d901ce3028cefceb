import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** F5 in VS Code: the launch configurations and tasks refer to things that exist. */
const root = join(import.meta.dirname, '..', '..');
const json = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;

interface Task {
  label: string;
  command: string;
  dependsOn?: string[];
  problemMatcher?: { background?: { endsPattern: string } } | [];
}
interface Launch {
  name: string;
  program: string;
  runtimeExecutable: string;
  preLaunchTask?: string;
  postDebugTask?: string;
}

const tasks = json<{ tasks: Task[] }>('.vscode/tasks.json').tasks;
const launches = json<{ configurations: Launch[] }>('.vscode/launch.json').configurations;
const inRepo = (path: string) => path.replace('${workspaceFolder}/', '');

describe('VS Code launch configurations and tasks', () => {
  it('name only tasks that exist', () => {
    const labels = new Set(tasks.map((t) => t.label));
    const named = [
      ...launches.flatMap((l) => [l.preLaunchTask, l.postDebugTask]),
      ...tasks.flatMap((t) => t.dependsOn ?? []),
    ].filter((n): n is string => n !== undefined);
    assert.deepEqual(
      named.filter((n) => !labels.has(n)),
      [],
    );
  });

  it('run the pinned Node.js on files that exist', () => {
    for (const launch of launches) {
      assert.equal(launch.runtimeExecutable, '${workspaceFolder}/node_modules/.bin/node', launch.name);
      if (!launch.program.includes('node_modules'))
        assert.ok(existsSync(join(root, inRepo(launch.program))), launch.program);
    }
    for (const task of tasks) {
      for (const [file] of task.command.matchAll(/[\w./-]+\.(?:ts|mjs)\b/g)) {
        assert.ok(existsSync(join(root, file)), `${task.label}: ${file}`);
      }
    }
  });

  it('wait for each background peer by a line it really prints', () => {
    const printedBy: Record<string, string> = {
      'Start Microsoft 365 sandbox': readFileSync(join(root, 'bot/sandbox/sandbox-main.ts'), 'utf8'),
    };
    for (const [label, source] of Object.entries(printedBy)) {
      const task = tasks.find((t) => t.label === label)!;
      const ends = (task.problemMatcher as { background: { endsPattern: string } }).background.endsPattern;
      assert.ok(source.includes(ends), `${label} waits for '${ends}'`);
    }
    const playground = tasks.find((t) => t.label === 'Start Agents Playground')!;
    assert.match(playground.command, /--app-endpoint http:\/\/127\.0\.0\.1:3978\/api\/messages/);
  });
});
