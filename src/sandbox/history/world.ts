/**
 * The in-memory state the history is simulated in: every resource by `Type/id` (practice records and
 * generated ones), with the few lookups the bots would make by search (an enrolment's requests, tasks and
 * replies, a patient's consents). Writes mirror what the bots write: new resources get deterministic ids
 * and `urn:uuid:` references between new resources become `Type/id`.
 */

import type {
  Appointment,
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  Location,
  Patient,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { isCommunicationConsent, type OutboundRecord, type Transition } from '../../engine';
import { careloopIdentifier, idForIdentifier } from './ids';

type Stored = Resource & { id: string };

/** Resources by `Type/id`, in the order they were first written. */
export class World {
  private readonly all = new Map<string, Stored>();
  /** Keys of the resources the history generated or changed (what the history bundle writes). */
  readonly touched = new Set<string>();
  /** `urn:uuid:...` → `Type/id` for every resource given an id from its identifier. */
  private readonly urns = new Map<string, string>();
  /** Outbound messages sent per patient reference, for the frequency caps. */
  readonly sentBy = new Map<string, OutboundRecord[]>();

  constructor(practice: readonly Resource[]) {
    for (const r of practice) {
      if (r.id) this.all.set(`${r.resourceType}/${r.id}`, r as Stored);
    }
  }

  get<T extends Resource>(key: string | undefined): T | undefined {
    return key ? (this.all.get(key) as T | undefined) : undefined;
  }

  /** Every stored resource of a type. */
  ofType<T extends Resource>(type: T['resourceType']): T[] {
    return [...this.all.values()].filter((r): r is Stored & T => r.resourceType === type);
  }

  /** The generated and changed resources, in first-write order. */
  written(): Resource[] {
    return [...this.touched].map((k) => this.all.get(k) as Stored);
  }

  /**
   * Writes a resource: one without an id gets the id of its Careloop identifier (or `fallbackId`); its
   * `urn:uuid:` references are resolved. Returns the stored copy.
   */
  put<T extends Resource>(resource: T, fallbackId?: string): T & { id: string } {
    let id = resource.id;
    if (!id) {
      const ident = careloopIdentifier(resource as { identifier?: { system?: string; value?: string }[] });
      id = ident ? idForIdentifier(ident.system, ident.value) : fallbackId;
      if (!id) {
        throw new Error(`history: ${resource.resourceType} has neither an identifier nor an id`);
      }
      if (ident) this.urns.set(`urn:uuid:${id}`, `${resource.resourceType}/${id}`);
    }
    const key = `${resource.resourceType}/${id}`;
    const stored = this.resolve({ ...resource, id }) as T & { id: string };
    this.all.set(key, stored as Stored);
    this.touched.add(key);
    return stored;
  }

  /**
   * Replaces a stored resource without recording it as written: the EHR's appointment as it stood at a
   * moment of the history (booked, then confirmed), which its final record supersedes.
   */
  setCurrent(resource: Resource & { id: string }): void {
    this.all.set(`${resource.resourceType}/${resource.id}`, resource);
  }

  /** The id a resource has or will get when written. */
  idFor(resource: Resource): string {
    if (resource.id) return resource.id;
    const ident = careloopIdentifier(resource as { identifier?: { system?: string; value?: string }[] });
    if (!ident) throw new Error(`history: ${resource.resourceType} has no Careloop identifier`);
    return idForIdentifier(ident.system, ident.value);
  }

  /** Registers the ids of resources about to be written together, so they can reference each other. */
  reserve(resources: readonly Resource[]): void {
    for (const r of resources) {
      const ident = careloopIdentifier(r as { identifier?: { system?: string; value?: string }[] });
      if (ident) {
        const id = idForIdentifier(ident.system, ident.value);
        this.urns.set(`urn:uuid:${id}`, `${r.resourceType}/${id}`);
      }
    }
  }

  private resolve<T>(value: T): T {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v as unknown)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] =
          k === 'reference' && typeof v === 'string' && v.startsWith('urn:uuid:')
            ? (this.urns.get(v) ?? v)
            : this.resolve(v);
      }
      return out as T;
    }
    return value;
  }

  /** Writes a transition as the bots' `writeTransition` does (updates by id, creates once). */
  applyTransition(t: Transition): void {
    for (const r of [...t.revoked, ...t.cancelledTasks]) this.put(r);
    if (t.appointment) this.put(t.appointment);
    if (t.carePlan?.id) this.put(t.carePlan);
    for (const r of [...t.consents, ...t.tasks, ...t.requests]) {
      const ident = careloopIdentifier(r as { identifier?: { system?: string; value?: string }[] });
      const existing = ident
        ? this.get(`${r.resourceType}/${idForIdentifier(ident.system, ident.value)}`)
        : undefined;
      if (!existing) this.put(r);
    }
  }

  patient(ref: string): Patient {
    const p = this.get<Patient>(ref);
    if (!p) throw new Error(`history: ${ref} is not in the practice`);
    return p;
  }

  appointment(ref: string | undefined): Appointment | undefined {
    return this.get<Appointment>(ref);
  }

  location(ref: string | undefined): Location | undefined {
    return this.get<Location>(ref);
  }

  /** The enrolment's requests (planned messages are `basedOn` it). */
  requestsOf(planRef: string): CommunicationRequest[] {
    return this.ofType<CommunicationRequest>('CommunicationRequest').filter((r) =>
      r.basedOn?.some((b) => b.reference === planRef),
    );
  }

  tasksOf(planRef: string): Task[] {
    return this.ofType<Task>('Task').filter((t) => t.basedOn?.some((b) => b.reference === planRef));
  }

  /** Communications based on the enrolment (its messages and the patient's replies filed under it). */
  communicationsOf(planRef: string): Communication[] {
    return this.ofType<Communication>('Communication').filter((c) =>
      c.basedOn?.some((b) => b.reference === planRef),
    );
  }

  /** The patient's active communication Consents. */
  consentsOf(patientRef: string): Consent[] {
    return this.ofType<Consent>('Consent').filter(
      (c) => c.patient?.reference === patientRef && c.status === 'active' && isCommunicationConsent(c),
    );
  }

  /** The patient's running enrolments. */
  activePlansOf(patientRef: string): CarePlan[] {
    return this.ofType<CarePlan>('CarePlan').filter(
      (p) => p.subject?.reference === patientRef && (p.status === 'active' || p.status === 'on-hold'),
    );
  }
}
