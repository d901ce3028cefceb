import type { MailFolderInfo, WellKnownFolderName } from '../mail-source/mail-source.port.ts';

/** Automatic sync never touches these, as in the seeds. */
export const NEVER_AUTOMATIC: ReadonlySet<WellKnownFolderName> = new Set([
  'deleteditems',
  'outbox',
  'junkemail',
]);

/**
 * The folders a run covers: the ones the user picked (by id or well-known name) and, unless turned
 * off, their subfolders; automatic runs drop Deleted Items, Outbox, Junk Email and anything under them.
 */
export function selectFolders(
  all: readonly MailFolderInfo[],
  options: { refs: readonly string[]; includeSubfolders: boolean; automatic: boolean },
): MailFolderInfo[] {
  const refs = options.refs.map((r) => r.toLowerCase());
  const picked = new Set(
    all
      .filter((f) => refs.includes(f.id.toLowerCase()) || (f.wellKnownName && refs.includes(f.wellKnownName)))
      .map((f) => f.id),
  );
  if (options.includeSubfolders) {
    let grew = true;
    while (grew) {
      grew = false;
      for (const f of all) {
        if (!picked.has(f.id) && picked.has(f.parentFolderId)) {
          picked.add(f.id);
          grew = true;
        }
      }
    }
  }
  const never = new Set(
    all.filter((f) => f.wellKnownName && NEVER_AUTOMATIC.has(f.wellKnownName)).map((f) => f.id),
  );
  const underNever = (f: MailFolderInfo): boolean =>
    never.has(f.id) ||
    (f.parentFolderId !== '' && all.some((p) => p.id === f.parentFolderId && underNever(p)));
  return all.filter((f) => picked.has(f.id) && !(options.automatic && underNever(f)));
}
