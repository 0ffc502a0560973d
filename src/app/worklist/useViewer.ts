/**
 * Who is looking at the worklist: the signed-in practitioner and the work queues they serve (the queue
 * codes on the CareTeams they are a participant of, CareTeam.category in the work-queue CodeSystem).
 */

import { formatHumanName, getReferenceString } from '@medplum/core';
import { useMedplum } from '@medplum/react-hooks';
import { useQuery } from '@tanstack/react-query';
import { CS } from '../../engine/codes';
import { useOptionalSession } from '../session/SessionContext';

/** The signed-in coordinator as the worklist needs them. */
export interface Viewer {
  /** `Practitioner/<id>`, if a practitioner is signed in. */
  readonly me?: string;
  readonly display?: string;
  /** Work-queue codes of the coordinator's CareTeams. */
  readonly queues: readonly string[];
  /** Queue code → the CareTeam reference that owns it (for handing a task back to a queue). */
  readonly queueOwners: Readonly<Record<string, string>>;
  /** People a task can be given to: the practitioners on the practice's queue CareTeams. */
  readonly people: readonly { readonly reference: string; readonly display?: string }[];
  readonly loading: boolean;
}

/**
 * The signed-in coordinator (Medplum's profile, else the EHR's `fhirUser`), their queues and the queues'
 * CareTeams.
 */
export function useViewer(): Viewer {
  const medplum = useMedplum();
  const session = useOptionalSession();
  const profile = medplum.getProfile();
  const me = profile ? getReferenceString(profile) : session?.practitioner?.reference;
  const name = profile && 'name' in profile ? profile.name?.[0] : undefined;
  const display = name ? formatHumanName(name) : undefined;
  const teams = useQuery({
    // Not under ['worklist']: task actions invalidate that, and the teams do not change with them.
    queryKey: ['care-teams', me ?? ''],
    queryFn: () =>
      medplum.searchResources('CareTeam', { _count: '100', status: 'active' }, { cache: 'no-cache' }),
    staleTime: 5 * 60_000,
  });
  const queues: string[] = [];
  const queueOwners: Record<string, string> = {};
  const people = new Map<string, string | undefined>();
  for (const team of teams.data ?? []) {
    for (const p of team.participant ?? []) {
      const ref = p.member?.reference;
      if (ref?.startsWith('Practitioner/')) people.set(ref, p.member?.display ?? people.get(ref));
    }
    const codes = (team.category ?? []).flatMap((c) => c.coding ?? []).filter((c) => c.system === CS.queue);
    const mine = (team.participant ?? []).some((p) => p.member?.reference === me);
    for (const c of codes) {
      if (!c.code) continue;
      if (team.id) queueOwners[c.code] = `CareTeam/${team.id}`;
      if (mine) queues.push(c.code);
    }
  }
  return {
    ...(me ? { me } : {}),
    ...(display ? { display } : {}),
    queues,
    queueOwners,
    people: [...people].map(([reference, d]) => ({ reference, ...(d ? { display: d } : {}) })),
    loading: teams.isLoading,
  };
}
