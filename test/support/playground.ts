import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort } from './free-port.ts';

/**
 * The Microsoft 365 Agents Playground, started for a test run and driven through its own HTTP and
 * WebSocket API (what its web page uses): messages in through `/_conversation`, everything the bot
 * sends out through the conversation stream.
 */

export interface PlaygroundMessage {
  messageId: string;
  from: { id: string };
  text?: string;
  attachments?: Array<{ contentType: string; content: Record<string, unknown> }>;
}

interface StreamEvent {
  action: string;
  actionConversationId?: string;
  message?: PlaygroundMessage;
}

interface PlaygroundConfig {
  config: {
    bot: { id: string };
    currentUser: { id: string; aadObjectId: string; name: string };
    personalChat: { id: string };
  };
}

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
/** The identities `npm start` uses: the sandbox's recruiter in the sandbox's tenant. */
export const PLAYGROUND_CONFIG = join(ROOT, '.m365agentsplayground.yml');

/** Teams' deadline for an invoke's answer. */
export const INVOKE_DEADLINE_MS = 5_000;

export class Playground {
  readonly url: string;
  private readonly child: ChildProcess;
  private readonly socket: WebSocket;
  private readonly events: StreamEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private settings?: PlaygroundConfig['config'];

  private constructor(url: string, child: ChildProcess, socket: WebSocket) {
    this.url = url;
    this.child = child;
    this.socket = socket;
    socket.on('message', (data) => {
      this.events.push(JSON.parse(data.toString()) as StreamEvent);
      for (const wake of this.waiters) wake();
    });
  }

  static async start(appEndpoint: string): Promise<Playground> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--app-endpoint',
        appEndpoint,
        '--channel-id',
        'msteams',
        '--port',
        String(port),
        '--disable-telemetry',
      ],
      {
        env: {
          ...process.env,
          TEAMSAPPTESTER_BROWSER: 'none',
          M365_AGENTS_PLAYGROUND_CONFIG_PATH: PLAYGROUND_CONFIG,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d) => {
      output += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!output.includes(`Listening on ${port}`)) {
      if (child.exitCode !== null) throw new Error(`Playground exited: ${output}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Playground did not start: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = `http://127.0.0.1:${port}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/_ws_conversation/v1/conversations/stream`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) =>
        reject(new Error(`Playground stream failed (${error.message}): ${output}`)),
      );
    });
    return new Playground(url, child, socket);
  }

  async config(): Promise<PlaygroundConfig['config']> {
    if (!this.settings) {
      const response = await fetch(`${this.url}/_internal/v1/config`);
      this.settings = ((await response.json()) as PlaygroundConfig).config;
    }
    return this.settings;
  }

  /** Types a message into the personal chat as the signed-in user. */
  async say(text: string): Promise<void> {
    const config = await this.config();
    const response = await fetch(
      `${this.url}/_conversation/v1/conversations/${config.personalChat.id}/messages`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: { id: config.currentUser.id }, text, textFormat: 'plain' }),
      },
    );
    if (!response.ok)
      throw new Error(`Playground refused the message: ${response.status} ${await response.text()}`);
  }

  /** The Playground's own "app installed" action: Teams' installationUpdate and conversationUpdate. */
  async install(): Promise<void> {
    const config = await this.config();
    const response = await fetch(`${this.url}/_debug/conversation/${config.personalChat.id}/installation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (!response.ok) throw new Error(`install failed: ${response.status}`);
  }

  /** An invoke as Teams sends it (message extension or Adaptive Card action); resolves with the bot's answer. */
  async invoke(
    name: string,
    value: unknown,
    replyToId?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const config = await this.config();
    const started = Date.now();
    const response = await fetch(`${this.url}/_conversation/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        value,
        from: { id: config.currentUser.id },
        conversation: { id: config.personalChat.id },
        ...(replyToId ? { replyToId } : {}),
      }),
    });
    const text = await response.text();
    // Teams gives an invoke 5 seconds, then retries it and shows "Unable to reach app": so does the harness.
    const elapsed = Date.now() - started;
    if (elapsed > INVOKE_DEADLINE_MS)
      throw new Error(`the bot answered ${name} after ${elapsed} ms; Teams gives up at 5 s`);
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Presses an Action.Execute button on a card the bot sent. */
  cardAction(messageId: string, verb: string, data: Record<string, unknown> = {}) {
    return this.invoke(
      'adaptiveCard/action',
      { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
      messageId,
    );
  }

  /** Resolves with the next update of an existing bot message after `since` events. */
  async nextUpdate(since: number, messageId: string, timeoutMs = 15_000): Promise<PlaygroundMessage> {
    return this.waitFor(
      since,
      (e) => e.action !== 'createMessage' && e.message?.messageId === messageId,
      timeoutMs,
    );
  }

  /** The bot's first message after event `since`, of those `which` accepts (all, unless given). */
  async nextBotMessage(
    since: number,
    timeoutMs = 10_000,
    which: (message: PlaygroundMessage) => boolean = () => true,
  ): Promise<PlaygroundMessage> {
    const config = await this.config();
    return this.waitFor(
      since,
      (e) => e.action === 'createMessage' && e.message?.from.id === config.bot.id && which(e.message),
      timeoutMs,
    );
  }

  private async waitFor(
    since: number,
    match: (event: StreamEvent) => boolean,
    timeoutMs: number,
  ): Promise<PlaygroundMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(since).find(match);
      if (found?.message) return found.message;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching event within ${timeoutMs} ms; saw ${this.events
            .slice(since)
            .map((e) => e.action)
            .join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** What the stream delivered after the first `since` events. */
  eventsSince(since: number): ReadonlyArray<{ action: string }> {
    return this.events.slice(since);
  }

  get eventCount(): number {
    return this.events.length;
  }

  async stop(): Promise<void> {
    this.socket.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
  }
}
