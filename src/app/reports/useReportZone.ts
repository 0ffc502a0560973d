/**
 * The time zone report days are in: the practice's (the roll-up's days are the practice's local days),
 * read with the app's practice lookup and cached under the same key as `usePractice`; the browser's
 * zone only when no practice can be found.
 */

import { useMedplum } from '@medplum/react-hooks';
import { useQuery } from '@tanstack/react-query';
import { findPracticeSettings } from '../../fhir/app/practiceLookup';
import { useOptionalSession } from '../session/SessionContext';

/** The zone, or `pending` while the practice loads. */
export function useReportZone(explicit?: string): {
  readonly zone?: string;
  /** The practice's Organization, so a project with several practices reports on this one only. */
  readonly organization?: string;
  readonly pending: boolean;
} {
  const medplum = useMedplum();
  const session = useOptionalSession();
  const practice = useQuery({
    queryKey: ['practice'],
    queryFn: () => findPracticeSettings(medplum, session?.config.medplum.organization),
    enabled: explicit === undefined,
    staleTime: 10 * 60_000,
  });
  if (explicit !== undefined) return { zone: explicit, pending: false };
  if (practice.isPending) return { pending: true };
  const organization = practice.data?.organization;
  return {
    zone: practice.data?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    ...(organization ? { organization } : {}),
    pending: false,
  };
}
