import type { CrmRecordType } from '../crm/crm.port.ts';
import type { LedgerStatus } from '../sync/ledger.ts';

/**
 * Where cards and notifications send people in the tab. Inside Teams a link opens our static tab
 * through a Teams deep link (the page rides in `subEntityId`, which the tab reads from its context);
 * without a Teams app id (the sandbox, or a browser) it is the tab's own URL.
 */

export interface TabLinks {
  /** The settings tab, optionally at a section (`status`, `folders`, `admin`, ...). */
  settings(section?: string): string;
  /** A candidate's, contact's or company's page in the built-in CRM. */
  record(type: CrmRecordType, id: string): string;
  /** The Emails view (the settings tab's `emails` page), optionally one ledger status or CaptureME's captures. */
  emails(status?: LedgerStatus | 'captured'): string;
}

/** Our static tab's entityId in appPackage/manifest.json. */
export const SETTINGS_TAB_ENTITY = 'settings';

export function tabLinks(appUrl: string, teamsAppId?: string): TabLinks {
  const base = appUrl.replace(/\/+$/, '');
  const page = (path: string) => {
    if (!teamsAppId) return `${base}/tab/${path}`;
    const context = encodeURIComponent(JSON.stringify({ subEntityId: path }));
    const webUrl = encodeURIComponent(`${base}/tab/${path}`);
    return `https://teams.microsoft.com/l/entity/${teamsAppId}/${SETTINGS_TAB_ENTITY}?webUrl=${webUrl}&context=${context}`;
  };
  return {
    settings: (section) => page(section ? `settings/${section}` : 'settings'),
    record: (type, id) => page(`records/${type}/${encodeURIComponent(id)}`),
    // A page like the others; the filter rides as a query, which the tab reads beside the page.
    emails: (status) =>
      page(status ? `settings/emails?status=${encodeURIComponent(status)}` : 'settings/emails'),
  };
}
