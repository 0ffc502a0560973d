import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { PageErrorBoundary } from '../../../src/app/shell/PageErrorBoundary';

function Broken(props: { message: string }): never {
  throw new Error(props.message);
}

describe('PageErrorBoundary', () => {
  it('shows a page whose code could not be downloaded in place, with a reload', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(
      <MantineProvider>
        <PageErrorBoundary>
          <Broken message="Failed to fetch dynamically imported module: /app/assets/WorklistPage.js" />
        </PageErrorBoundary>
      </MantineProvider>,
    );
    expect(screen.getByRole('alert').textContent).toContain('This page could not be loaded');
    expect(screen.getByRole('button', { name: 'Reload' })).toBeTruthy();
  });
});
