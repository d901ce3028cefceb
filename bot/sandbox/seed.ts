import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailboxModel, type NewMessage, type SandboxUser, type WellKnownFolder } from './mailbox-model.ts';

/** The checked-in seed mailbox (see scripts/generate-fixtures.ts). */
export const DEFAULT_MAILBOX_FIXTURE = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'sandbox',
  'mailbox.json',
);

export interface MailboxFixture {
  tenantId: string;
  users: Array<
    SandboxUser & {
      folders: Array<{
        key: string;
        displayName: string;
        wellKnownName?: WellKnownFolder;
        parent?: string;
        isHidden?: boolean;
      }>;
      messages: Array<NewMessage & { key: string; folder: string }>;
    }
  >;
}

export function readMailboxFixture(path: string = DEFAULT_MAILBOX_FIXTURE): MailboxFixture {
  return JSON.parse(readFileSync(path, 'utf8')) as MailboxFixture;
}

/** Builds the sandbox's mailboxes; messages go in oldest first, as they would have arrived. */
export function seedMailboxes(
  fixture: MailboxFixture,
  model: MailboxModel = new MailboxModel(),
): MailboxModel {
  for (const { folders, messages, ...user } of fixture.users) {
    model.addUser(user);
    const ids = new Map<string, string>();
    for (const folder of folders) {
      const parentFolderId = folder.parent ? ids.get(folder.parent) : undefined;
      if (folder.parent && !parentFolderId)
        throw new Error(`folder ${folder.key}: parent ${folder.parent} must come first`);
      const created = model.addFolder(user.id, {
        displayName: folder.displayName,
        ...(folder.wellKnownName ? { wellKnownName: folder.wellKnownName } : {}),
        ...(parentFolderId ? { parentFolderId } : {}),
        ...(folder.isHidden ? { isHidden: true } : {}),
      });
      ids.set(folder.key, created.id);
    }
    const ordered = [...messages].sort((a, b) =>
      String(a.receivedDateTime).localeCompare(String(b.receivedDateTime)),
    );
    for (const { key, folder, ...spec } of ordered) {
      const folderId = ids.get(folder);
      if (!folderId) throw new Error(`message ${key}: no folder ${folder}`);
      model.addMessage(user.id, folderId, spec, key);
    }
  }
  return model;
}
