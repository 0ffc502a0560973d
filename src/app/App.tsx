/**
 * The app after the SMART redirect: complete the launch once, then either a problem screen with a way
 * forward or the routed pages with the session, Medplum and Query providers.
 */
import { Center, Loader, Stack, Text } from '@mantine/core';
import { MedplumProvider } from '@medplum/react-hooks';
import { useEffect, useState, type JSX } from 'react';
import { HashRouter } from 'react-router';
import { ProblemScreen } from './screens/ProblemScreen';
import { connectSession } from './session/connect';
import { classifyEhrError, LaunchProblem } from './session/launchProblem';
import type { CareloopSession } from './session/session';
import { SessionProvider } from './session/SessionContext';
import { AppRoutes } from './shell/AppRoutes';

type BootState =
  | { readonly status: 'connecting' }
  | { readonly status: 'ready'; readonly session: CareloopSession }
  | { readonly status: 'failed'; readonly problem: LaunchProblem };

/** Connects, then renders the app or the problem. */
export function App(props: { connect?: () => Promise<CareloopSession> }): JSX.Element {
  const connect = props.connect ?? connectSession;
  const [state, setState] = useState<BootState>({ status: 'connecting' });
  useEffect(() => {
    let live = true;
    connect().then(
      (session) => live && setState({ status: 'ready', session }),
      (err: unknown) =>
        live &&
        setState({
          status: 'failed',
          problem: err instanceof LaunchProblem ? err : classifyEhrError(err, window.location.search),
        }),
    );
    return () => {
      live = false;
    };
  }, [connect]);

  if (state.status === 'connecting') {
    return (
      <Center p="xl">
        <Stack align="center" gap="xs">
          <Loader size="sm" aria-label="Connecting" />
          <Text size="sm">Connecting to your EHR…</Text>
        </Stack>
      </Center>
    );
  }
  if (state.status === 'failed') {
    return (
      <ProblemScreen
        kind={state.problem.kind}
        detail={state.problem.message}
        onRetry={() => window.location.reload()}
      />
    );
  }
  return (
    <MedplumProvider medplum={state.session.medplum}>
      <SessionProvider session={state.session}>
        <HashRouter>
          <AppRoutes />
        </HashRouter>
      </SessionProvider>
    </MedplumProvider>
  );
}
