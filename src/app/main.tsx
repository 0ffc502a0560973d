/** Entry of the SMART app (index.html): styles, Mantine, TanStack Query, then the app. */
import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { careloopTheme } from './theme';

const queryClient = new QueryClient({
  defaultOptions: {
    // Retry once: a chart panel should show an error quickly rather than spin.
    queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 5_000 },
  },
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={careloopTheme}>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
