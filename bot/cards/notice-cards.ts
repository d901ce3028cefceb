import { AdaptiveCard, ExecuteAction, TextBlock } from '@microsoft/teams.cards';
import { cardDateTime } from './card-time.ts';
import { CARD_VERSION, SEVERITY_COLOR, settingsButton } from './help-card.ts';

/** Short cards: welcome, access restricted, plain notices, and the friendly error. */

export function welcomeCard(view: { syncOn: boolean; settingsUrl: string }): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock('Welcome to CRM Sync', { size: 'Large', weight: 'Bolder', wrap: true }),
    new TextBlock(
      'I put your Outlook email on the candidates and contacts it belongs to in your CRM: automatically for the folders you choose, ' +
        'or one message at a time with "Sync to CRM" and "Associate" on a message.',
      { wrap: true },
    ),
    new TextBlock(
      view.syncOn
        ? 'Sync is on.'
        : 'Sync is off. Turn it on to start; email from before then is not synced unless you choose days to scan back.',
      {
        wrap: true,
        weight: 'Bolder',
      },
    ),
    new TextBlock('Type "help" to see what I can do.', { wrap: true, isSubtle: true }),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      ...(view.syncOn
        ? []
        : [new ExecuteAction({ title: 'Turn on sync', verb: 'turnOn', data: { verb: 'turnOn' } })]),
      ...settingsButton(view.settingsUrl, 'Open settings'),
    )
    .withFallbackText('Welcome to CRM Sync');
}

/** The seeds' access-restricted message: what is wrong, and who can fix it. */
export function accessCard(view: {
  reason: 'tenant_disabled' | 'sync_off';
  settingsUrl: string;
}): AdaptiveCard {
  const tenant = view.reason === 'tenant_disabled';
  const card = new AdaptiveCard(
    new TextBlock(tenant ? 'CRM Sync is not enabled for your organization' : 'Email sync is off for you', {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: 'Attention',
    }),
    new TextBlock(
      tenant
        ? 'A Microsoft 365 administrator of your organization has to enable CRM Sync first (in the CRM Sync tab, Admin section). Ask your IT team or the person who installed CRM Sync.'
        : 'Turn email sync on to use this. You can change folders, the schedule and what reaches the CRM in the settings.',
      { wrap: true },
    ),
  ).withVersion(CARD_VERSION);
  if (!tenant)
    card.withActions(
      new ExecuteAction({ title: 'Turn on sync', verb: 'turnOn', data: { verb: 'turnOn' } }),
      ...settingsButton(view.settingsUrl, 'Open settings'),
    );
  return card.withFallbackText(
    tenant ? 'CRM Sync is not enabled for your organization' : 'Email sync is off',
  );
}

export function noticeCard(
  title: string,
  text?: string,
  color: 'Good' | 'Attention' | 'Default' = 'Default',
): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock(title, { weight: 'Bolder', wrap: true, ...(color !== 'Default' ? { color } : {}) }),
    ...(text ? [new TextBlock(text, { wrap: true })] : []),
  )
    .withVersion(CARD_VERSION)
    .withFallbackText(title);
}

export function failureCard(correlationId: string): AdaptiveCard {
  return noticeCard(
    'Something went wrong on our side',
    `Nothing was lost; try again in a moment. If it keeps happening, give your administrator this reference: ${correlationId}`,
    'Attention',
  );
}

export interface NotificationView {
  title: string;
  text: string;
  severity: 'info' | 'success' | 'warning' | 'error';
  read: boolean;
  createdAt: string;
}

export function notificationsCard(items: readonly NotificationView[], unread: number): AdaptiveCard {
  if (items.length === 0) {
    return noticeCard('No notifications yet', 'Sync results and errors will be kept here for 90 days.');
  }
  return new AdaptiveCard(
    new TextBlock(`Notifications (${unread} unread)`, { size: 'Medium', weight: 'Bolder', wrap: true }),
    ...items.flatMap((n) => [
      new TextBlock(`${n.read ? '' : '● '}${n.title}`, {
        weight: 'Bolder',
        wrap: true,
        color: SEVERITY_COLOR[n.severity],
        separator: true,
      }),
      new TextBlock(`${cardDateTime(n.createdAt)} · ${n.text}`, {
        wrap: true,
        isSubtle: true,
        spacing: 'None',
      }),
    ]),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      ...(unread > 0
        ? [new ExecuteAction({ title: 'Mark all read', verb: 'markAllRead', data: { verb: 'markAllRead' } })]
        : []),
      new ExecuteAction({ title: 'Clear', verb: 'clearNotifications', data: { verb: 'clearNotifications' } }),
    )
    .withFallbackText(`${items.length} notifications`);
}
