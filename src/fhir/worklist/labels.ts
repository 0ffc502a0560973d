/**
 * Words the worklist and reports show for codes: workflow purposes, work queues, priorities. They match
 * the displays of the CodeSystems in fhir-resources/code-systems/ (workflow-purpose, work-queue).
 */

/** Workflow purpose → what coordinators call the workflow. */
export const WORKFLOW_LABELS: Readonly<Record<string, string>> = {
  reminder: 'Appointment reminders',
  onboarding: 'New-patient onboarding',
  'follow-up': 'Post-visit follow-up',
  'chronic-care': 'Chronic care',
  recall: 'Preventive recall',
  'no-show-recovery': 'No-show recovery',
  feedback: 'Feedback survey',
  billing: 'Billing reminders',
  telehealth: 'Telehealth visit',
  reactivation: 'Patient reactivation',
};

/** Work-queue code → its name. */
export const QUEUE_LABELS: Readonly<Record<string, string>> = {
  access: 'Patient access',
  'front-office': 'Front office',
  'care-coordination': 'Care coordination',
  'clinical-triage': 'Clinical triage',
  billing: 'Billing',
};

/** FHIR request priority → words. */
export const PRIORITY_LABELS: Readonly<Record<string, string>> = {
  stat: 'Immediately',
  asap: 'As soon as possible',
  urgent: 'Urgent',
  routine: 'Routine',
};

/** The label for a code in a table, or the code itself when unknown. */
export function labelOf(labels: Readonly<Record<string, string>>, code: string | undefined): string {
  return code ? (labels[code] ?? code) : '';
}
