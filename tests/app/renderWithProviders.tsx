/**
 * Renders a component the way the app mounts it: Mantine, a fresh TanStack QueryClient (no retries, so
 * errors show at once), Medplum's provider around a MockClient (or any MedplumClient), and a router at
 * `path`.
 */
import { MantineProvider } from '@mantine/core';
import type { MedplumClient } from '@medplum/core';
import { MockClient } from '@medplum/mock';
import { MedplumProvider } from '@medplum/react-hooks';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter } from 'react-router';

/** Options of `renderWithProviders`. */
export interface ProviderOptions {
  readonly medplum?: MedplumClient;
  readonly path?: string;
  /** Extra providers (e.g. the EHR connection) wrapped inside the others. */
  readonly wrap?: (children: ReactNode) => ReactNode;
}

/** Renders `ui` inside the app's providers; returns testing-library's result plus the client used. */
export function renderWithProviders(
  ui: ReactElement,
  options: ProviderOptions = {},
): RenderResult & { medplum: MedplumClient; queryClient: QueryClient } {
  const medplum = options.medplum ?? new MockClient({ cacheTime: 0 });
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const inner = options.wrap ? options.wrap(ui) : ui;
  const result = render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <MedplumProvider medplum={medplum}>
          <MemoryRouter initialEntries={[options.path ?? '/']}>{inner}</MemoryRouter>
        </MedplumProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...result, medplum, queryClient };
}
