/** Shown when someone else saved the task first: what they changed, and a way forward that keeps input. */

import { Alert, Button, Stack, Text } from '@mantine/core';
import type { Task } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { BUSINESS_STATUSES, businessStatusOf, labelOf, ownerLabel } from '../../fhir/worklist';

/** The other version, and what to do with it. */
export interface ConflictAlertProps {
  readonly current: Task;
  readonly onUseTheirs: () => void;
}

/** The conflict, in words: their status, stage and owner. */
export function ConflictAlert(props: ConflictAlertProps): JSX.Element {
  const t = props.current;
  const who = t.owner?.reference ? ownerLabel(t, undefined) : 'nobody';
  return (
    <Alert color="orange" title="Someone else changed this task" role="alert">
      <Stack gap="xs">
        <Text size="sm">
          It is now {t.status}
          {businessStatusOf(t) ? ` (${labelOf(BUSINESS_STATUSES, businessStatusOf(t))})` : ''}, owned by {who}
          . Your change was not saved and what you typed is still here.
        </Text>
        <Button size="compact-sm" variant="light" onClick={props.onUseTheirs}>
          Load their version, then apply mine again
        </Button>
      </Stack>
    </Alert>
  );
}
