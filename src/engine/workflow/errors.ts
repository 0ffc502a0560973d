/** Raised when a workflow definition breaks the profile; the message names the offending element. */
export class WorkflowDefinitionError extends Error {
  /** FHIR path of the element at fault, e.g. `PlanDefinition.action[1].timingDuration`. */
  readonly element: string;

  constructor(element: string, problem: string) {
    super(`${element}: ${problem}`);
    this.name = 'WorkflowDefinitionError';
    this.element = element;
  }
}
