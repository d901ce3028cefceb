import assert from 'node:assert/strict';
import type { MailFolderInfo } from '../../bot/mail-source/mail-source.port.ts';
import { selectFolders } from '../../bot/sync/folder-selection.ts';

const folder = (
  id: string,
  parentFolderId: string,
  wellKnownName?: MailFolderInfo['wellKnownName'],
): MailFolderInfo => ({
  id,
  displayName: id,
  parentFolderId,
  path: id,
  totalItemCount: 1,
  childFolderCount: 0,
  ...(wellKnownName ? { wellKnownName } : {}),
});

const tree = [
  folder('inbox', 'root', 'inbox'),
  folder('clients', 'inbox'),
  folder('contoso', 'clients'),
  folder('junk', 'root', 'junkemail'),
  folder('junk-sorted', 'junk'),
  folder('sent', 'root', 'sentitems'),
];
const ids = (folders: MailFolderInfo[]) => folders.map((f) => f.id);

describe('folder selection', () => {
  it('takes picked folders by id or well-known name, with subfolders at any depth', () => {
    assert.deepEqual(
      ids(selectFolders(tree, { refs: ['INBOX', 'sent'], includeSubfolders: true, automatic: false })),
      ['inbox', 'clients', 'contoso', 'sent'],
    );
  });

  it('takes only the picked folders when subfolders are off', () => {
    assert.deepEqual(
      ids(selectFolders(tree, { refs: ['inbox'], includeSubfolders: false, automatic: false })),
      ['inbox'],
    );
  });

  it('leaves Junk and everything under it out of automatic runs, but not out of sync all', () => {
    const picked = { refs: ['junkemail'], includeSubfolders: true };
    assert.deepEqual(ids(selectFolders(tree, { ...picked, automatic: true })), []);
    assert.deepEqual(ids(selectFolders(tree, { ...picked, automatic: false })), ['junk', 'junk-sorted']);
  });
});
