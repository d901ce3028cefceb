import { createRoot } from 'react-dom/client';
import { useToken } from './api.ts';
import { App } from './app.tsx';
import { connectHost } from './host.ts';

const host = await connectHost();
useToken(host.token);
createRoot(document.getElementById('root')!).render(<App host={host} />);
