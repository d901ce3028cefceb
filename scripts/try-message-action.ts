/**
 * Tries "Sync to CRM" or "Associate" on a message, through the running Agents Playground (which
 * has no message menu of its own: it ignores the app manifest). Start `npm start` first, then:
 *
 *   npm run try-action -- "Forwarded from victor.dubois@fabrikam.com: he is open to a move"
 *   npm run try-action -- --associate --search contoso "Lunch on Friday?"
 *
 * It sends the invokes Teams would send, as the Playground's signed-in user, prints the dialog, and
 * picks every match (or every search result) the way a user ticking the boxes would.
 */
import { parseCli, runCli } from '../bot/cli/cli.ts';

const COMMAND = 'npm run try-action --';
const { values, positionals } = parseCli({
  command: COMMAND,
  usage: `[--associate [--search <text>]] [--playground <url>] [message text]

Sends the invokes Teams sends for "Sync to CRM" (or, with --associate, "Associate") on a message with
this text, through the running Agents Playground (start \`npm start\` first), as its signed-in user;
prints the dialog, ticks every box, submits, and prints the result card.
  --associate         "Associate" instead of "Sync to CRM"
  --search <text>     what to search for in the Associate dialog
  --playground <url>  the Playground (default http://127.0.0.1:56150, or PLAYGROUND_PORT)`,
  allowPositionals: true,
  options: {
    associate: { type: 'boolean', default: false },
    search: { type: 'string' },
    playground: { type: 'string', default: `http://127.0.0.1:${process.env.PLAYGROUND_PORT || 56150}` },
  },
});
const text = positionals.join(' ') || 'Forwarded from victor.dubois@fabrikam.com: he is open to a move.';
const base = values.playground;

interface CardNode {
  type?: string;
  text?: string;
  title?: string;
  id?: string;
  body?: CardNode[];
  items?: CardNode[];
  actions?: CardNode[];
  facts?: Array<{ title: string; value: string }>;
  url?: string;
}

function lines(node: CardNode, out: string[] = []): string[] {
  if (node.type === 'TextBlock' && node.text) out.push(node.text);
  if (node.type === 'Input.Toggle') out.push(`[x] ${node.title} (${node.id})`);
  if (node.type === 'Input.Text') out.push(`[ ${node.id} ]`);
  for (const fact of node.facts ?? []) out.push(`  ${fact.title}: ${fact.value}`);
  for (const child of [...(node.body ?? []), ...(node.items ?? [])]) lines(child, out);
  for (const action of node.actions ?? []) out.push(`<${action.title}>${action.url ? ` ${action.url}` : ''}`);
  return out;
}

function toggles(node: CardNode, out: string[] = []): string[] {
  if (node.type === 'Input.Toggle' && node.id) out.push(node.id);
  for (const child of [...(node.body ?? []), ...(node.items ?? [])]) toggles(child, out);
  return out;
}

await runCli(COMMAND, async () => {
  const answer = await fetch(`${base}/_internal/v1/config`).catch(() => {
    throw new Error(`the Agents Playground does not answer at ${base}: start it with \`npm start\` first`);
  });
  const config = (await answer.json()) as {
    config: { currentUser: { id: string }; personalChat: { id: string } };
  };
  const messagePayload = {
    id: String(Date.now()),
    subject: null,
    createdDateTime: new Date().toISOString(),
    body: { contentType: 'html', content: `<p>${text}</p>` },
    from: { user: { id: '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d', displayName: 'Sam Patel' } },
  };
  async function invoke(name: string, value: Record<string, unknown>): Promise<CardNode> {
    const response = await fetch(`${base}/_conversation/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        value,
        from: { id: config.config.currentUser.id },
        conversation: { id: config.config.personalChat.id },
      }),
    });
    const body = (await response.json()) as { task?: { value?: { card?: { content?: CardNode } } } };
    return body.task?.value?.card?.content ?? {};
  }

  const commandId = values.associate ? 'associate' : 'syncToCrm';
  let dialog = await invoke('composeExtension/fetchTask', {
    commandId,
    commandContext: 'message',
    messagePayload,
  });
  console.log(`--- ${commandId}: the dialog\n${lines(dialog).join('\n')}`);
  if (values.associate) {
    dialog = await invoke('composeExtension/submitAction', {
      commandId,
      commandContext: 'message',
      messagePayload,
      data: { action: 'search', query: values.search ?? '' },
    });
    console.log(`--- search "${values.search ?? ''}"\n${lines(dialog).join('\n')}`);
  }
  const picked = Object.fromEntries(toggles(dialog).map((id) => [id, 'true']));
  if (Object.keys(picked).length === 0) {
    console.log('--- nothing to pick');
  } else {
    const result = await invoke('composeExtension/submitAction', {
      commandId,
      commandContext: 'message',
      messagePayload,
      data: { action: values.associate ? 'associate' : 'sync', ...picked },
    });
    console.log(`--- the result\n${lines(result).join('\n')}`);
  }
});
