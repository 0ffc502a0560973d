/** The practice's settings (quiet hours, caps, zone), loaded once per session. */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { PracticeSettings } from '../../engine';
import { findPracticeSettings } from '../../fhir/app/practiceLookup';
import { useCareloopSession } from '../session/SessionContext';
import { queryKeys } from './queryKeys';

/** Practice settings from Medplum (configured Organization, or the one carrying Careloop settings). */
export function usePractice(): UseQueryResult<PracticeSettings> {
  const { medplum, config } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.practice,
    queryFn: () => findPracticeSettings(medplum, config.medplum.organization),
    staleTime: 10 * 60_000,
  });
}
