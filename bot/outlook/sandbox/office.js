// A stand-in for Office.js in the Microsoft 365 sandbox: the subset the CRM Sync task pane uses,
// with Office.js's names and shapes, answered by the sandbox's Outlook page (outlook.js) over
// postMessage the way Outlook answers Office.js. Served in place of Microsoft's CDN copy only in
// sandbox mode (bot/tab/tab-static.ts); production loads the real one.
(() => {
  const ItemChanged = 'olkItemSelectedChanged';
  const handlers = [];
  let item = null;
  let theme = 'light';
  let resolveReady;
  const ready = new Promise((resolve) => (resolveReady = resolve));

  const mailbox = {
    get item() {
      return item;
    },
    convertToRestId(itemId) {
      return itemId.replaceAll('/', '-').replaceAll('+', '_');
    },
    convertToEwsId(itemId) {
      return itemId.replaceAll('-', '/').replaceAll('_', '+');
    },
    addHandlerAsync(eventType, handler, callback) {
      if (eventType === ItemChanged) handlers.push(handler);
      callback?.({ status: 'succeeded' });
    },
  };

  window.Office = {
    HostType: { Outlook: 'Outlook' },
    PlatformType: { OfficeOnline: 'OfficeOnline', PC: 'PC', Mac: 'Mac', iOS: 'iOS', Android: 'Android' },
    EventType: { ItemChanged },
    MailboxEnums: {
      ItemType: { Message: 'message', Appointment: 'appointment' },
      RestVersion: { v2_0: 'v2.0' },
    },
    context: {
      mailbox,
      platform: 'OfficeOnline',
      get officeTheme() {
        return { bodyBackgroundColor: theme === 'dark' ? '#1f1f1f' : '#ffffff' };
      },
      requirements: {
        isSetSupported: (name, version) => name === 'Mailbox' && Number(version ?? '1.0') <= 1.13,
      },
      ui: { openBrowserWindow: (url) => window.open(url, '_blank', 'noopener') },
    },
    onReady(callback) {
      return ready.then((info) => (callback ? callback(info) : info));
    },
  };

  if (window.parent === window) {
    resolveReady({ host: null, platform: null });
    return;
  }
  addEventListener('message', (event) => {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    const message = event.data;
    if (message?.type === 'office:context') {
      item = message.item;
      theme = message.theme;
      resolveReady({ host: 'Outlook', platform: 'OfficeOnline' });
    } else if (message?.type === 'office:itemChanged') {
      item = message.item;
      for (const handler of handlers) handler({ type: ItemChanged });
    }
  });
  window.parent.postMessage({ type: 'office:hello' }, location.origin);
})();
