/** Pages loaded on demand, so the first screen does not pay for the others' code. */
import { lazy } from 'react';

/** The chart panel for one patient. */
export const PatientPanelPage = lazy(() =>
  import('../panel/PatientPanelPage').then((m) => ({ default: m.PatientPanelPage })),
);
/** The coordinators' worklist (issue 6). */
export const WorklistPage = lazy(() =>
  import('../worklist/WorklistPage').then((m) => ({ default: m.WorklistPage })),
);
/** One patient's conversation (issue 6). */
export const ConversationPage = lazy(() =>
  import('../conversations/ConversationPage').then((m) => ({ default: m.ConversationPage })),
);
/** Outcome reports (issue 6). */
export const ReportsPage = lazy(() =>
  import('../reports/ReportsPage').then((m) => ({ default: m.ReportsPage })),
);
/** The workflow library (issue 6). */
export const WorkflowLibraryPage = lazy(() =>
  import('../library/WorkflowLibraryPage').then((m) => ({ default: m.WorkflowLibraryPage })),
);
