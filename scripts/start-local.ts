/**
 * `npm start`: the whole product on one machine in sandbox mode. Starts the Microsoft 365 sandbox
 * (Graph), the app (bot, embedded store) and the Microsoft 365 Agents Playground, prints where to
 * go, and stops all three on Ctrl-C. Data stays in ./data between runs. The children log JSON; in
 * a terminal their lines are shown readable. `npm run dev` (--watch) restarts the app when its
 * code changes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseCli } from '../bot/cli/cli.ts';
import { ConfigError, loadConfig } from '../bot/config/config.ts';
import { NODE_FLAGS } from '../bot/config/node-flags.ts';
import { humanLogLines } from '../bot/logging/logger.ts';

const { values: args } = parseCli({
  command: 'npm start --',
  usage: `[--watch]

Runs CRM Sync on this machine in sandbox mode: the Microsoft 365 sandbox, the app with its embedded
store, and the Microsoft 365 Agents Playground. Ctrl-C stops all three.
  --watch   restart the app when its code changes (what \`npm run dev\` does)`,
  options: { watch: { type: 'boolean', default: false } },
});

const root = join(import.meta.dirname, '..');
const PLAYGROUND_PORT = Number(process.env.PLAYGROUND_PORT || 56150);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
if (config.mode !== 'sandbox') {
  process.stderr.write(
    `${
      new ConfigError([
        'npm start runs the local sandbox stack, but Azure settings are present in the environment. ' +
          'In Azure, the app runs with `npm run server`; locally, unset the Azure settings.',
      ]).message
    }\n`,
  );
  process.exit(1);
}

const appUrl = `http://127.0.0.1:${config.port}`;
const children: Array<{ name: string; child: ChildProcess }> = [];
let stopping = false;

function prefixed(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void {
  const show = out.isTTY ? humanLogLines(out.hasColors()) : (line: string) => line;
  let buffer = '';
  stream?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim()) out.write(`${show(line).replace(/^/gm, `[${name}] `)}\n`);
    }
  });
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<void> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push({ name, child });
  prefixed(name, child.stdout, process.stdout);
  prefixed(name, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(
      `[${name}] stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the rest.\n`,
    );
    void stopAll(1);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    const watch = (chunk: Buffer) => {
      if (ready.test(chunk.toString())) {
        clearTimeout(timer);
        child.stdout?.off('data', watch);
        resolve();
      }
    };
    child.stdout?.on('data', watch);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up`));
    });
  });
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  await start(
    'sandbox',
    ['bot/sandbox/sandbox-main.ts'],
    { SANDBOX_PORT: String(config.sandboxPort) },
    /sandbox listening/,
  );
  await start(
    'app',
    [...NODE_FLAGS, ...(args.watch ? ['--watch'] : []), 'bot/main.ts'],
    {},
    /CRM Sync is listening/,
  );
  await start(
    'playground',
    [
      join('node_modules', '@microsoft', 'm365agentsplayground', 'cli.js'),
      '--app-endpoint',
      `${appUrl}/api/messages`,
      '--channel-id',
      'msteams',
      '--port',
      String(PLAYGROUND_PORT),
      '--disable-telemetry',
    ],
    {
      TEAMSAPPTESTER_BROWSER: 'none',
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: join(root, '.m365agentsplayground.yml'),
    },
    /Listening on/,
  );
} catch (error) {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  await stopAll(1);
}

process.stdout.write(`
CRM Sync is running in sandbox mode.

  Chat with the bot:        http://localhost:${PLAYGROUND_PORT}   (Microsoft 365 Agents Playground; type "help")
  Settings tab:             ${appUrl}/tab   (you are Riley, the sandbox's recruiter and admin)
  Outlook with the add-in:  ${appUrl}/sandbox/outlook/   (open an email, press Sync to CRM)
  Bot endpoint:             ${appUrl}/api/messages
  Health:                   ${appUrl}/healthz   ${appUrl}/readyz
  Microsoft 365 sandbox:    ${config.graphBaseUrl}   (admin: http://127.0.0.1:${config.sandboxPort}/_sandbox)
  Data:                     ${config.dataDir}

Press Ctrl-C to stop everything.
`);
