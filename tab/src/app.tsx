import {
  FluentProvider,
  Tab,
  TabList,
  Title3,
  makeStyles,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import type { Host, ThemeName } from './host.ts';
import { AdminPage } from './pages/admin-page.tsx';
import { EmailsPage } from './pages/emails-page.tsx';
import { ItemsPage } from './pages/items-page.tsx';
import { NotificationCenterPage } from './pages/notification-center-page.tsx';
import { RecordPage } from './pages/record-page.tsx';
import { StatusPage } from './pages/status-page.tsx';
import { EmailSection } from './sections/email-section.tsx';
import { FoldersSection } from './sections/folders-section.tsx';
import { CalendarSection, ContactsSection, TasksSection } from './sections/items-sections.tsx';
import { NotificationsSection } from './sections/notifications-section.tsx';
import { PrivacySection } from './sections/privacy-section.tsx';
import { ScheduleSection } from './sections/schedule-section.tsx';
import { SettingsProvider } from './settings-store.tsx';
import type { Me } from './types.ts';
import { Loading, Notice } from './feedback.tsx';

const THEMES = { light: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme };

const useStyles = makeStyles({
  shell: { minHeight: '100vh', padding: tokens.spacingHorizontalXXL, boxSizing: 'border-box' },
  layout: { display: 'flex', gap: tokens.spacingHorizontalXXL, alignItems: 'flex-start', flexWrap: 'wrap' },
  content: { flex: '1 1 480px', minWidth: 0 },
});

const SECTIONS = [
  ['status', 'Status'],
  ['emails', 'Emails'],
  ['items', 'Outlook items'],
  ['email', 'Email'],
  ['contacts', 'Contacts'],
  ['tasks', 'Tasks'],
  ['calendar', 'Calendar'],
  ['schedule', 'Schedule'],
  ['folders', 'Folders'],
  ['privacy', 'Privacy'],
  ['notifications', 'Notifications'],
  ['center', 'Notification center'],
] as const;

/** The page from the path under /tab (or a Teams deep link's subEntityId): settings/<section>, notifications, records/<type>/<id>. */
function pageOf(path: string): string[] {
  const parts = path
    .split('?')[0]!
    .replace(/^\/?(tab\/?)?/, '')
    .split('/')
    .filter(Boolean);
  if (parts[0] === 'notifications') return ['settings', 'center'];
  if (parts[0] === 'records' && parts.length >= 3) return parts;
  return ['settings', parts[1] ?? 'status'];
}

function Content({
  page,
  me,
  navigate,
  search,
}: {
  page: string[];
  me: Me;
  navigate(path: string): void;
  /** The page's query: from the address, or from a Teams deep link's subEntityId. */
  search: string;
}) {
  if (page[0] === 'records') return <RecordPage type={page[1]!} id={page[2]!} />;
  switch (page[1]) {
    case 'emails':
      return <EmailsPage search={search} />;
    case 'items':
      // Keyed by the query: a section's link to another kind opens that kind afresh.
      return <ItemsPage key={search} search={search} navigate={navigate} />;
    case 'email':
      return <EmailSection />;
    case 'contacts':
      return <ContactsSection navigate={navigate} />;
    case 'tasks':
      return <TasksSection navigate={navigate} />;
    case 'calendar':
      return <CalendarSection navigate={navigate} />;
    case 'schedule':
      return <ScheduleSection />;
    case 'folders':
      return <FoldersSection />;
    case 'privacy':
      return <PrivacySection />;
    case 'notifications':
      return <NotificationsSection />;
    case 'center':
      return <NotificationCenterPage />;
    case 'admin':
      return me.isAdmin ? <AdminPage /> : <Text403 />;
    default:
      return <StatusPage navigate={navigate} />;
  }
}

const Text403 = () => (
  <Notice intent="warning">Only your organization's CRM Sync admins can open this page.</Notice>
);

export function App({ host }: { host: Host }) {
  const styles = useStyles();
  const [theme, setTheme] = useState<ThemeName>(host.theme);
  const [page, setPage] = useState(() => pageOf(host.subPage ?? location.pathname));
  const [search, setSearch] = useState(() =>
    host.subPage?.includes('?') ? host.subPage.slice(host.subPage.indexOf('?')) : location.search,
  );
  const [me, setMe] = useState<Me>();
  const [error, setError] = useState<string>();

  useEffect(() => host.onThemeChange(setTheme), [host]);
  useEffect(() => {
    api<Me>('/me').then(
      ({ data }) => setMe(data),
      (e: Error) => setError(e.message),
    );
    const onPop = () => {
      setPage(pageOf(location.pathname));
      setSearch(location.search);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = (path: string) => {
    history.pushState(null, '', `/tab/${path}`);
    setPage(pageOf(path));
    // A link may carry a query (settings/items?kind=task): the page it opens reads it.
    setSearch(path.includes('?') ? path.slice(path.indexOf('?')) : '');
  };
  const selected = page[0] === 'records' ? undefined : page[1];

  return (
    <FluentProvider theme={THEMES[theme]} className={styles.shell} data-theme={theme}>
      <main>
        <Title3 as="h1">CRM Sync</Title3>
        {!me && <Loading error={error} label="Signing you in…" />}
        {me && (
          <SettingsProvider>
            <div className={styles.layout}>
              <nav aria-label="Settings sections">
                {/* No reserved space for the bold selected label: a tab centres its label in that
                    wider box, so longer labels started further right. */}
                <TabList
                  vertical
                  reserveSelectedTabSpace={false}
                  selectedValue={selected ?? null}
                  onTabSelect={(_, d) => navigate(`settings/${String(d.value)}`)}
                >
                  {SECTIONS.map(([id, label]) => (
                    <Tab key={id} value={id}>
                      {label}
                    </Tab>
                  ))}
                  {me.isAdmin && <Tab value="admin">Admin</Tab>}
                </TabList>
              </nav>
              <div className={styles.content}>
                <Content page={page} me={me} navigate={navigate} search={search} />
              </div>
            </div>
          </SettingsProvider>
        )}
      </main>
    </FluentProvider>
  );
}
