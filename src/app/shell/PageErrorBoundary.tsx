/**
 * Catches what a page throws while rendering, or a lazy page whose code could not be downloaded (a network
 * drop, a deploy replacing the files), and shows it in place with a way forward instead of a blank frame.
 */
import { Alert, Button, Stack, Text } from '@mantine/core';
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  readonly error?: Error;
}

/** Error boundary for one routed page. */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = {};

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // No patient data in the log: the message and where it happened are enough for support.
    console.error('Careloop page failed:', error.message, info.componentStack?.split('\n')[1]?.trim());
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) {
      return this.props.children;
    }
    const download = /dynamically imported module|Failed to fetch|Loading chunk/i.test(error.message);
    return (
      <Alert
        color="red"
        title={download ? 'This page could not be loaded' : 'Something went wrong on this page'}
        role="alert"
      >
        <Stack gap="xs">
          <Text size="sm">
            {download
              ? 'Part of Careloop could not be downloaded. Check your connection and reload.'
              : error.message}
          </Text>
          <Button size="xs" variant="default" onClick={() => window.location.reload()}>
            Reload
          </Button>
        </Stack>
      </Alert>
    );
  }
}
