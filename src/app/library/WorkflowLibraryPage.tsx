/**
 * `/library`: every workflow definition in the practice's Medplum project, read with the engine's
 * `loadWorkflow` (src/fhir/workflows.ts) and shown readably. A definition that does not load is listed
 * with the reason instead of hiding it.
 */

import { Alert, List, Stack, Text, TextInput, Title } from '@mantine/core';
import { normalizeErrorString } from '@medplum/core';
import { useMedplum } from '@medplum/react-hooks';
import { useQuery } from '@tanstack/react-query';
import { useState, type JSX } from 'react';
import { loadActiveWorkflows } from '../../fhir/workflows';
import { WorkflowCard } from './WorkflowCard';

/** The workflow library page. */
export function WorkflowLibraryPage(): JSX.Element {
  const medplum = useMedplum();
  // Same key as the app's useWorkflows, so the library and enrolment share one load.
  const workflows = useQuery({
    queryKey: ['workflows'],
    queryFn: () => loadActiveWorkflows(medplum),
    staleTime: 10 * 60_000,
  });
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = (workflows.data?.workflows ?? [])
    .filter((w) => !needle || `${w.title} ${w.description} ${w.purpose}`.toLowerCase().includes(needle))
    .sort((a, b) => a.title.localeCompare(b.title));
  return (
    <Stack gap="md" p="sm">
      <Title order={2}>Workflow library</Title>
      <Text size="sm" c="dimmed">
        Every active workflow: what starts it, when each message goes out and on which channel, the text in
        each language, and what a reply does. Times are in the patient&apos;s time zone and move for quiet
        hours.
      </Text>
      <TextInput label="Find a workflow" value={search} onChange={(e) => setSearch(e.currentTarget.value)} />
      {workflows.isPending ? <Text c="dimmed">Loading workflows…</Text> : null}
      {workflows.isError ? (
        <Alert color="red" title="Could not load the workflows">
          {normalizeErrorString(workflows.error)}
        </Alert>
      ) : null}
      {workflows.data && workflows.data.errors.length > 0 ? (
        <Alert color="orange" title="Definitions that could not be read">
          <List size="sm">
            {workflows.data.errors.map((e) => (
              <List.Item key={e.url}>
                {e.url}: {e.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      ) : null}
      {workflows.data && shown.length === 0 ? <Text>No workflow matches.</Text> : null}
      {shown.map((w) => (
        <WorkflowCard key={w.url} workflow={w} />
      ))}
    </Stack>
  );
}
