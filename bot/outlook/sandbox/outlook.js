// The sandbox's Outlook page: folders, messages, a reading pane, the add-in's ribbon buttons and
// its task pane. It plays Outlook's part towards the pane's Office.js stand-in (office.js): it
// answers with the open item and tells a pinned pane when the selection changes, by postMessage.
const api = (path) =>
  fetch(`/sandbox/outlook/api${path}`).then(async (r) => {
    const body = await r.json();
    if (!r.ok) throw new Error(body.error?.message ?? `HTTP ${r.status}`);
    return body;
  });

const theme = new URLSearchParams(location.search).get('theme') === 'dark' ? 'dark' : 'light';
document.documentElement.dataset.theme = theme;
const $ = (id) => document.getElementById(id);
const state = { folder: null, skip: 0, item: null, paneView: null };

/** Outlook hands add-ins EWS ids; the pane converts them back with convertToRestId. */
const ewsId = (restId) => restId.replaceAll('-', '/').replaceAll('_', '+');

function officeItem(message) {
  if (!message || message.isDraft) return null;
  return {
    itemId: ewsId(message.id),
    itemType: 'message',
    subject: message.subject ?? '',
    from: message.from
      ? { emailAddress: message.from.emailAddress.address, displayName: message.from.emailAddress.name }
      : null,
    internetMessageId: message.internetMessageId ?? null,
    dateTimeCreated: message.receivedDateTime,
  };
}

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

async function showFolders() {
  const { user, folders } = await api('/folders');
  $('who').textContent = user;
  const list = $('folders');
  for (const folder of folders) {
    const depth = folder.path.split('/').length - 1;
    const button = element('button', { type: 'button', textContent: folder.displayName });
    button.style.paddingLeft = `${0.75 + depth}rem`;
    button.dataset.folder = folder.id;
    button.addEventListener('click', () => openFolder(folder.id));
    list.append(element('li', {}, button));
  }
  const inbox = folders.find((f) => f.wellKnownName === 'inbox') ?? folders[0];
  if (inbox) await openFolder(inbox.id);
}

async function openFolder(id) {
  state.folder = id;
  state.skip = 0;
  for (const b of document.querySelectorAll('[data-folder]'))
    b.setAttribute('aria-current', String(b.dataset.folder === id));
  $('messages').replaceChildren();
  await loadMessages();
}

async function loadMessages() {
  const { messages, more } = await api(
    `/folders/${encodeURIComponent(state.folder)}/messages?skip=${state.skip}`,
  );
  state.skip += messages.length;
  for (const m of messages) {
    const button = element(
      'button',
      { type: 'button', className: 'item' },
      element('span', { className: 'from', textContent: m.from?.emailAddress?.name ?? '(no sender)' }),
      element('span', { className: 'subject', textContent: m.subject || '(no subject)' }),
      element('span', { className: 'preview', textContent: m.bodyPreview ?? '' }),
    );
    button.dataset.message = m.id;
    button.addEventListener('click', () => openMessage(m.id));
    $('messages').append(element('li', {}, button));
  }
  $('more').hidden = !more;
}

async function openMessage(id) {
  for (const b of document.querySelectorAll('[data-message]'))
    b.setAttribute('aria-current', String(b.dataset.message === id));
  const message = await api(`/messages/${encodeURIComponent(id)}`);
  state.item = officeItem(message);
  const who = (list) => (list ?? []).map((r) => r.emailAddress.address).join(', ');
  const body = element('iframe', { title: 'Message body' });
  // A sandboxed frame without scripts: mail is hostile content.
  body.setAttribute('sandbox', '');
  body.srcdoc =
    message.body?.contentType === 'html'
      ? message.body.content
      : `<pre style="white-space:pre-wrap;font:14px sans-serif">${(message.body?.content ?? '').replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`;
  $('reading').replaceChildren(
    element('h1', { textContent: message.subject || '(no subject)' }),
    element('div', {
      textContent: `From: ${message.from?.emailAddress?.name ?? ''} <${message.from?.emailAddress?.address ?? ''}>`,
    }),
    element('div', {
      className: 'muted',
      textContent: `To: ${who(message.toRecipients)}${message.ccRecipients?.length ? `; Cc: ${who(message.ccRecipients)}` : ''}`,
    }),
    element('div', { className: 'muted', textContent: new Date(message.receivedDateTime).toLocaleString() }),
    body,
  );
  for (const b of document.querySelectorAll('.ribbon [data-view]')) b.disabled = state.item === null;
  const pane = $('pane');
  if (pane.hidden) return;
  // A pinned pane follows the selection; an unpinned one closes, as in Outlook.
  if ($('pin').checked) post({ type: 'office:itemChanged', item: state.item });
  else closePane();
}

function post(message) {
  $('pane-frame').contentWindow?.postMessage(message, location.origin);
}

function openPane(view) {
  const pane = $('pane');
  pane.hidden = false;
  if (state.paneView === view) return;
  state.paneView = view;
  $('pane-frame').src = `/tab/outlook.html?view=${view}`;
}

function closePane() {
  $('pane').hidden = true;
  state.paneView = null;
  $('pane-frame').removeAttribute('src');
}

// The pane's Office.js stand-in asks for its context when it loads.
addEventListener('message', (event) => {
  if (event.origin !== location.origin || event.source !== $('pane-frame').contentWindow) return;
  if (event.data?.type === 'office:hello') {
    post({ type: 'office:context', item: state.item, theme, pinned: $('pin').checked });
  }
});

for (const button of document.querySelectorAll('.ribbon [data-view]')) {
  button.addEventListener('click', () => openPane(button.dataset.view));
}
$('close').addEventListener('click', closePane);
$('more').addEventListener('click', () => void loadMessages());
showFolders().catch((error) => {
  $('reading').replaceChildren(
    element('p', { role: 'alert', textContent: `The mailbox could not be read: ${error.message}` }),
  );
});
