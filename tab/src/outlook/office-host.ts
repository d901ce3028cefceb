/**
 * The task pane's host: Outlook, through Office.js (Microsoft's CDN copy in production; in the
 * sandbox, the local Outlook page's stand-in with the same API). From it come the email open in
 * Outlook (its id converted to the Graph REST id the API takes), the pinned pane's item changes,
 * the theme, and a token for our API by nested app authentication.
 */

export interface OpenEmail {
  /** The Graph (REST) id of the email, as the API takes it. */
  id: string;
  subject: string;
}

export interface OutlookHost {
  inOutlook: boolean;
  dark: boolean;
  /** The email open now; null when none is (a pinned pane between selections) or it is a draft. */
  current(): OpenEmail | null;
  /** Called whenever the user selects another email while the pane is pinned. */
  onItemChanged(listener: (email: OpenEmail | null) => void): void;
  /** A bearer token for /api/outlook; none in the sandbox, whose API has a fixed local identity. */
  token(): Promise<string | undefined>;
  /** Opens a record's page outside the pane. */
  open(url: string): void;
}

import type { IPublicClientApplication } from '@azure/msal-browser';

interface AuthConfig {
  clientId: string;
  tenantId: string;
  scope: string;
}

/** The app's Entra client id, tenant and API scope, written into the page by the server (absent in the sandbox). */
function authConfig(): AuthConfig | undefined {
  const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
  const [clientId, tenantId, scope] = [
    meta('crm-sync-client-id'),
    meta('crm-sync-tenant-id'),
    meta('crm-sync-api-scope'),
  ];
  return clientId && tenantId && scope ? { clientId, tenantId, scope } : undefined;
}

function openEmail(): OpenEmail | null {
  const item = Office.context.mailbox.item as Office.MessageRead | null | undefined;
  // Compose items (drafts) have no itemId, and the pane only offers the read surface anyway.
  if (!item || item.itemType !== Office.MailboxEnums.ItemType.Message || !item.itemId) return null;
  const mobile =
    Office.context.platform === Office.PlatformType.iOS ||
    Office.context.platform === Office.PlatformType.Android;
  // Outlook gives an EWS id; on mobile it is a REST id already and the conversion is unsupported.
  const id = mobile
    ? item.itemId
    : Office.context.mailbox.convertToRestId(item.itemId, Office.MailboxEnums.RestVersion.v2_0);
  return { id, subject: item.subject };
}

function isDark(): boolean {
  const background = Office.context.officeTheme?.bodyBackgroundColor;
  if (!background || !/^#[0-9a-f]{6}$/i.test(background))
    return matchMedia('(prefers-color-scheme: dark)').matches;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b! < 128;
}

/**
 * Nested app authentication, Microsoft's current way: silent where the client allows, a popup when
 * it must ask. The app is single-tenant, so the authority is the agency's tenant, not `common`.
 * Clients without it (older classic Outlook) get Office's own SSO token, legacy but supported, for
 * the same scope (Office is pre-authorized on it in infra/aad.manifest.json).
 */
function signIn(config: AuthConfig): () => Promise<string> {
  if (!Office.context.requirements.isSetSupported('NestedAppAuth', '1.1')) {
    return () => Office.auth.getAccessToken({ allowSignInPrompt: true, allowConsentPrompt: true });
  }
  let client: Promise<IPublicClientApplication> | undefined;
  return async () => {
    const msal = await import('@azure/msal-browser');
    client ??= msal.createNestablePublicClientApplication({
      auth: { clientId: config.clientId, authority: `https://login.microsoftonline.com/${config.tenantId}` },
    });
    const app = await client;
    const request = { scopes: [config.scope] };
    try {
      return (await app.acquireTokenSilent(request)).accessToken;
    } catch (error) {
      if (!(error instanceof msal.InteractionRequiredAuthError)) throw error;
      return (await app.acquireTokenPopup(request)).accessToken;
    }
  };
}

export async function connectOutlook(): Promise<OutlookHost> {
  const info = await Office.onReady();
  if (info.host !== Office.HostType.Outlook) {
    return {
      inOutlook: false,
      dark: matchMedia('(prefers-color-scheme: dark)').matches,
      current: () => null,
      onItemChanged: () => undefined,
      token: async () => undefined,
      open: (url) => window.open(url, '_blank', 'noopener'),
    };
  }
  const auth = authConfig();
  return {
    inOutlook: true,
    dark: isDark(),
    current: openEmail,
    onItemChanged: (listener) => {
      Office.context.mailbox.addHandlerAsync(Office.EventType.ItemChanged, () => listener(openEmail()));
    },
    token: auth ? signIn(auth) : async () => undefined,
    open: (url) => Office.context.ui.openBrowserWindow(url),
  };
}
