/** Engagement plans, active first, each with its timeline and actions; the enrol entry point on top. */
import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import type { Engagement } from '../../fhir/app/engagement';
import { orderPlans, outcomeLabel, planOutcome, planTimeline } from '../../fhir/app/timeline';
import { definitionFor } from '../../fhir/enrolmentState';
import { useWorkflows } from '../data/useWorkflows';
import { EnrolSection } from '../enrol/EnrolSection';
import { PlanActions } from './PlanActions';
import { PlanTimeline } from './PlanTimeline';

const STATUS_LABELS: Record<string, { label: string; color: string }> = {
  active: { label: 'active', color: 'teal' },
  'on-hold': { label: 'paused', color: 'yellow' },
  completed: { label: 'completed', color: 'gray' },
  revoked: { label: 'stopped', color: 'red' },
};

/** Props of PlansSection. */
export interface PlansSectionProps {
  readonly patient: Patient;
  readonly engagement: Engagement;
  readonly appointments: readonly Appointment[];
  readonly zone: string;
}

/** The plans list. */
export function PlansSection(props: PlansSectionProps): JSX.Element {
  const workflows = useWorkflows();
  const plans = orderPlans(props.engagement.carePlans);
  return (
    <Stack gap="xs" component="section" aria-labelledby="plans-title">
      <Title order={2} size="h5" id="plans-title">
        Engagement plans
      </Title>
      <EnrolSection patient={props.patient} appointments={props.appointments} engagement={props.engagement} />
      {plans.length === 0 ? (
        <Text size="sm" c="gray.7">
          Not enrolled in any workflow.
        </Text>
      ) : (
        plans.map((plan) => {
          const status = STATUS_LABELS[plan.status] ?? { label: plan.status, color: 'gray' };
          const outcome = planOutcome(plan);
          const definition = workflows.data ? definitionFor(plan, workflows.data.workflows) : undefined;
          const items = planTimeline(
            plan,
            props.engagement,
            (stepId) => definition?.steps.find((s) => s.id === stepId)?.title,
          );
          return (
            <Paper
              key={plan.id}
              withBorder
              p="xs"
              radius="md"
              component="article"
              aria-label={`Plan: ${plan.title ?? 'workflow'}`}
              data-plan={plan.id}
            >
              <Stack gap={6}>
                <Group justify="space-between" gap={4}>
                  <Text fw={700} size="sm">
                    {plan.title ?? 'Workflow'}
                  </Text>
                  <Group gap={4}>
                    <Badge size="xs" color={status.color} variant="light">
                      {status.label}
                    </Badge>
                    {outcome ? (
                      <Badge size="xs" color="dark" variant="outline" data-outcome={outcome}>
                        {outcomeLabel(outcome)}
                      </Badge>
                    ) : null}
                  </Group>
                </Group>
                <PlanTimeline items={items} zone={props.zone} />
                <PlanActions plan={plan} patient={props.patient} />
              </Stack>
            </Paper>
          );
        })
      )}
    </Stack>
  );
}
