/**
 * The app's routes. A hash router: the SMART redirect lands on `/app/?code=…&state=…`, and keeping routes
 * in the hash means that query string never collides with a route and a reload stays on the same page.
 */
import { Center, Loader } from '@mantine/core';
import { Suspense, type JSX } from 'react';
import { Navigate, Route, Routes, useParams } from 'react-router';
import { useCareloopSession } from '../session/SessionContext';
import { AppLayout } from './AppLayout';
import { PageErrorBoundary } from './PageErrorBoundary';
import {
  ConversationPage,
  PatientPanelPage,
  ReportsPage,
  WorkflowLibraryPage,
  WorklistPage,
} from './lazyPages';

function PageLoader(): JSX.Element {
  return (
    <Center p="lg">
      <Loader size="sm" aria-label="Loading" />
    </Center>
  );
}

/** `/`: the launch patient's panel when the EHR gave a patient, else the worklist. */
export function HomeRoute(): JSX.Element {
  const { ehrPatientId, patient } = useCareloopSession();
  if (!ehrPatientId) {
    return <Navigate to="/worklist" replace />;
  }
  return <PatientPanelPage patientId={patient?.id} ehrPatientId={ehrPatientId} />;
}

function PatientRoute(): JSX.Element {
  const { patientId } = useParams();
  return <PatientPanelPage patientId={patientId} />;
}

/** Every route of the app inside the layout. */
export function AppRoutes(): JSX.Element {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route
          index
          element={
            <PageErrorBoundary>
              <Suspense fallback={<PageLoader />}>
                <HomeRoute />
              </Suspense>
            </PageErrorBoundary>
          }
        />
        <Route path="patient/:patientId" element={<Suspended page={<PatientRoute />} />} />
        <Route path="worklist" element={<Suspended page={<WorklistPage />} />} />
        <Route path="conversations/:patientId" element={<Suspended page={<ConversationPage />} />} />
        <Route path="reports" element={<Suspended page={<ReportsPage />} />} />
        <Route path="library" element={<Suspended page={<WorkflowLibraryPage />} />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

function Suspended(props: { page: JSX.Element }): JSX.Element {
  return (
    <PageErrorBoundary>
      <Suspense fallback={<PageLoader />}>{props.page}</Suspense>
    </PageErrorBoundary>
  );
}
