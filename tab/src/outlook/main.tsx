import { FluentProvider, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { useToken } from '../api.ts';
import { connectOutlook } from './office-host.ts';
import { Pane, type PaneView } from './pane.tsx';

// The ribbon's buttons open this page with ?view=sync, ?view=associate, ?view=capture or ?view=status.
const requested = new URLSearchParams(location.search).get('view');
const view: PaneView =
  requested === 'sync' || requested === 'associate' || requested === 'capture' ? requested : 'status';

const host = await connectOutlook();
useToken(host.token);
createRoot(document.getElementById('root')!).render(
  <FluentProvider theme={host.dark ? webDarkTheme : webLightTheme} style={{ minHeight: '100vh' }}>
    <Pane host={host} view={view} />
  </FluentProvider>,
);
