/** The screen for a launch or connection problem: what happened, in plain words, and what to do next. */
import { Alert, Anchor, Button, Group, Stack, Text, Title } from '@mantine/core';
import type { JSX } from 'react';
import type { LaunchProblemKind } from '../session/launchProblem';

interface Copy {
  readonly title: string;
  readonly body: string;
}

const COPY: Record<LaunchProblemKind, Copy> = {
  'no-launch': {
    title: 'Open Careloop from your EHR',
    body: 'Careloop was opened without a launch. Open it from a patient’s chart in your EHR, or sign in directly.',
  },
  'session-expired': {
    title: 'Your session has ended',
    body: 'For security, Careloop’s access to the EHR expired. Sign in again to continue; nothing was lost.',
  },
  'scope-denied': {
    title: 'Careloop was not given access',
    body: 'The EHR did not grant the permissions Careloop needs to show this patient. Sign in again and allow access, or ask your administrator.',
  },
  'ehr-unreachable': {
    title: 'The EHR did not answer',
    body: 'Careloop could not reach your EHR. Check your connection and try again.',
  },
  'medplum-unreachable': {
    title: 'Careloop’s server did not answer',
    body: 'The EHR connection works, but Careloop’s data server could not be reached. Try again in a moment.',
  },
  'patient-not-found': {
    title: 'Careloop does not know this patient yet',
    body: 'This patient has not reached Careloop from the EHR yet; new patients arrive with the next sync. You can try again shortly, or open the worklist.',
  },
  'bad-config': {
    title: 'Careloop is not configured correctly',
    body: 'The launch configuration (launch-context.json) could not be used. Ask your administrator to fix it.',
  },
  'unknown-issuer': {
    title: 'This EHR is not registered with Careloop',
    body: 'Careloop was launched by an EHR it has no configuration for. Ask your administrator to add it to launch-context.json.',
  },
};

/** Props of ProblemScreen. */
export interface ProblemScreenProps {
  readonly kind: LaunchProblemKind;
  /** The technical detail, shown small for support. */
  readonly detail?: string;
  /** The EHR to sign in to again, when known. */
  readonly iss?: string;
  /** Offered as "Try again" when the problem may pass. */
  readonly onRetry?: () => void;
  /** Extra way forward (e.g. a link to the worklist). */
  readonly children?: JSX.Element;
  /** True inside the app's layout (which has the page's `main` already). */
  readonly embedded?: boolean;
}

/** A full-width problem screen with a way forward. */
export function ProblemScreen(props: ProblemScreenProps): JSX.Element {
  const copy = COPY[props.kind];
  const signIn = props.iss ? `launch.html?iss=${encodeURIComponent(props.iss)}` : 'launch.html';
  const retryable =
    props.onRetry && ['ehr-unreachable', 'medplum-unreachable', 'patient-not-found'].includes(props.kind);
  const signInAgain = ['no-launch', 'session-expired', 'scope-denied', 'unknown-issuer'].includes(props.kind);
  return (
    <Stack
      component={props.embedded ? 'section' : 'main'}
      aria-label={props.embedded ? copy.title : undefined}
      p="md"
      maw={640}
      gap="sm"
      data-problem={props.kind}
    >
      <Title order={1} size="h3">
        {copy.title}
      </Title>
      <Text>{copy.body}</Text>
      <Group>
        {retryable ? <Button onClick={props.onRetry}>Try again</Button> : null}
        {signInAgain ? (
          <Anchor href={signIn} underline="always">
            {props.kind === 'no-launch' ? 'Sign in to Careloop' : 'Sign in again'}
          </Anchor>
        ) : null}
        {props.children}
      </Group>
      {props.detail ? (
        <Alert variant="light" color="gray" title="Details for support">
          <Text size="sm">{props.detail}</Text>
        </Alert>
      ) : null}
    </Stack>
  );
}
