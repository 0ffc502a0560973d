/** The practice's active workflow definitions, as the engine reads them. */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { loadActiveWorkflows, type LoadedWorkflows } from '../../fhir/workflows';
import { useCareloopSession } from '../session/SessionContext';
import { queryKeys } from './queryKeys';

/** Active workflows (broken definitions are listed in `errors`, not fatal). */
export function useWorkflows(): UseQueryResult<LoadedWorkflows> {
  const { medplum } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.workflows,
    queryFn: () => loadActiveWorkflows(medplum),
    staleTime: 10 * 60_000,
  });
}
