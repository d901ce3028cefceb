import { app, authentication } from '@microsoft/teams-js';

/**
 * The tab's host: Teams (or Outlook) when it runs there, a plain browser otherwise (the sandbox).
 * From the host come the theme, the page a deep link asked for, and the SSO token for our API.
 */

export type ThemeName = 'light' | 'dark' | 'contrast';

export interface Host {
  inTeams: boolean;
  theme: ThemeName;
  /** The page a Teams deep link asked for (its subEntityId), e.g. "records/candidate/cand-001". */
  subPage?: string;
  onThemeChange(listener: (theme: ThemeName) => void): void;
  /** A bearer token for /api/tab; none in a plain browser, where the sandbox has a fixed identity. */
  token(): Promise<string | undefined>;
}

/** How long to wait for Teams to answer before deciding we are in a plain browser. */
const TEAMS_INIT_TIMEOUT_MS = 2_000;

const themeOf = (name: string | undefined): ThemeName =>
  name === 'dark' ? 'dark' : name === 'contrast' ? 'contrast' : 'light';

function browserTheme(): ThemeName {
  const query = new URLSearchParams(location.search).get('theme');
  if (query) return themeOf(query);
  if (matchMedia('(forced-colors: active)').matches) return 'contrast';
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export async function connectHost(): Promise<Host> {
  // A page that is not framed is not in Teams: don't wait for an answer that never comes.
  const framed = window.parent !== window;
  if (framed) {
    try {
      await Promise.race([
        app.initialize(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), TEAMS_INIT_TIMEOUT_MS)),
      ]);
      const context = await app.getContext();
      app.notifySuccess();
      return {
        inTeams: true,
        theme: themeOf(context.app.theme),
        ...(context.page.subPageId ? { subPage: context.page.subPageId } : {}),
        onThemeChange: (listener) => app.registerOnThemeChangeHandler((t) => listener(themeOf(t))),
        token: () => authentication.getAuthToken(),
      };
    } catch {
      // Framed by something else: behave as a browser.
    }
  }
  return {
    inTeams: false,
    theme: browserTheme(),
    onThemeChange: () => undefined,
    token: async () => undefined,
  };
}
