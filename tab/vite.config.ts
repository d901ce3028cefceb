import { defineConfig } from 'vite';

// The settings tab and the Outlook add-in's task pane, two pages of one build: into dist/tab,
// served by the app at /tab (bot/tab/tab-static.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/tab/',
  // React's automatic JSX runtime, without a plugin: the tab needs no Fast Refresh.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist/tab',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: {
        index: `${import.meta.dirname}/index.html`,
        outlook: `${import.meta.dirname}/outlook.html`,
      },
      onwarn(warning, warn) {
        // Fluent UI marks its modules "use client" for server components; a static tab has none.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
