/** A patient's plans, messages, replies, tasks and consents in Medplum. */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { loadEngagement, type Engagement } from '../../fhir/app/engagement';
import { useCareloopSession } from '../session/SessionContext';
import { queryKeys } from './queryKeys';

/** Engagement records of Medplum patient `patientId`, refreshed every 15 s while shown (bots act meanwhile). */
export function useEngagement(patientId: string): UseQueryResult<Engagement> {
  const { medplum } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.engagement(patientId),
    queryFn: () => loadEngagement(medplum, patientId),
    refetchInterval: 15_000,
  });
}
