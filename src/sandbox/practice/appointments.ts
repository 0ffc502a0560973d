/**
 * The synthetic schedule: past visits over the last 18 months and bookings over the next 4 weeks, on
 * weekdays in clinic hours in the practice's zone, each with the patient, a clinician and a location.
 * Booked means not yet confirmed: the patient participant is `needs-action` (Careloop's confirmation sets
 * `accepted`). Telehealth visits carry the v3 ActCode `VR` the engine reads (src/engine/planning/facts.ts).
 */

import type { Appointment, AppointmentParticipant, CodeableConcept } from '@medplum/fhirtypes';
import type { DateTime } from 'luxon';
import { SANDBOX_IDENTIFIER } from './identifiers';
import { practiceMeta } from './organization';
import type { PatientProfile } from './patients';
import type { PracticeSpec } from './practices';
import type { Random } from './random';

/** Days of history the schedule covers (just under 18 months, whatever the month lengths). */
export const HISTORY_DAYS = 540;
/** The last day ahead bookings go: day 27, so every booking is within 4 weeks of `now` to the hour. */
export const FUTURE_DAYS = 27;

/** One visit before it becomes an Appointment. */
interface Visit {
  readonly patient: PatientProfile;
  /** Start, epoch milliseconds. */
  readonly start: number;
  readonly minutes: number;
  readonly status: 'booked' | 'fulfilled' | 'noshow' | 'cancelled';
  readonly telehealth: boolean;
  readonly clinicianId: string;
  readonly locationId: string;
  readonly kind: 'ROUTINE' | 'FOLLOWUP' | 'CHECKUP';
  readonly createdDaysBefore: number;
}

const V2_0276 = 'http://terminology.hl7.org/CodeSystem/v2-0276';
const KIND_DISPLAY = {
  ROUTINE: 'Routine appointment',
  FOLLOWUP: 'A follow up visit',
  CHECKUP: 'A routine check-up',
};
const TELEHEALTH_TYPE: CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' }],
  text: 'Telehealth video visit',
};
const GENERAL_PRACTICE: CodeableConcept = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/service-category',
      code: '17',
      display: 'General Practice',
    },
  ],
};

/** Schedules appointments and keeps a clinician from being double-booked. */
export class Scheduler {
  private readonly taken = new Set<string>();
  private readonly visits: Visit[] = [];
  private readonly today: DateTime;
  /** Opening time (08:00 local) and weekday of each day offset; zone arithmetic is the slow part. */
  private readonly days = new Map<number, { readonly opening: number; readonly weekday: number }>();

  constructor(
    private readonly rng: Random,
    private readonly spec: PracticeSpec,
    private readonly now: DateTime,
  ) {
    this.today = now.setZone(spec.timeZone).startOf('day');
  }

  /**
   * A weekday slot about `dayOffset` days from today (never today, so booked is ahead of now and past is
   * behind it), in clinic hours, free for the clinician. Weekends and full days move toward today, except
   * in the first week, where they move away from it.
   */
  private day(offset: number): { readonly opening: number; readonly weekday: number } {
    let day = this.days.get(offset);
    if (!day) {
      const local = this.today.plus({ days: offset });
      day = { opening: local.set({ hour: 8, minute: 0 }).toMillis(), weekday: local.weekday };
      this.days.set(offset, day);
    }
    return day;
  }

  private slot(dayOffset: number, clinicianId: string, minutes: number): number {
    if (dayOffset === 0) {
      throw new Error('Scheduler: a visit is either past or future, never today');
    }
    const away = dayOffset < 0 ? -1 : 1;
    const step = Math.abs(dayOffset) > 7 ? -away : away;
    for (let attempt = 0; attempt < 40; attempt++) {
      let offset = dayOffset + Math.floor(attempt / 8) * step;
      while (this.day(offset).weekday > 5) {
        offset += step;
      }
      // 08:00 to the last start that still ends by 17:00, in quarter hours. No clock change falls inside
      // clinic hours (US changes happen at 02:00), so minutes can be added to the opening instant.
      const lastQuarter = Math.floor((9 * 60 - minutes) / 15);
      const start = this.day(offset).opening + 15 * 60_000 * this.rng.int(0, lastQuarter);
      const key = `${clinicianId}|${start}`;
      if (!this.taken.has(key)) {
        this.taken.add(key);
        return start;
      }
    }
    throw new Error(`Scheduler: no free slot near day ${dayOffset} for ${clinicianId}`);
  }

  /** Adds a visit `dayOffset` days from today (negative = past). */
  add(patient: PatientProfile, dayOffset: number, status: Visit['status'], telehealthShare: number): void {
    const canVideo = patient.contact !== 'landline-only';
    const telehealth = canVideo && this.rng.chance(telehealthShare);
    const clinicianId = this.rng.chance(0.8) ? patient.clinicianId : this.rng.pick(this.spec.clinicians).id;
    const clinician = this.spec.clinicians.find((c) => c.id === clinicianId);
    const virtual = this.spec.locations.find((l) => l.virtual);
    const locationId =
      telehealth && virtual ? virtual.id : (clinician?.locationId ?? (this.spec.locations[0]?.id as string));
    const minutes = telehealth ? 20 : this.rng.pick([20, 30, 30, 40]);
    const start = this.slot(dayOffset, clinicianId, minutes);
    this.visits.push({
      patient,
      start,
      minutes,
      status,
      telehealth,
      clinicianId,
      locationId,
      kind:
        patient.pattern === 'chronic'
          ? 'FOLLOWUP'
          : this.rng.pick(['ROUTINE', 'CHECKUP', 'FOLLOWUP'] as const),
      createdDaysBefore: this.rng.int(2, 45),
    });
  }

  /** The appointments, in start order, with ids `<key>-appt-0001`, .... */
  appointments(): Appointment[] {
    const sorted = [...this.visits].sort((a, b) => a.start - b.start || a.patient.index - b.patient.index);
    return sorted.map((v, i) => this.toAppointment(v, i));
  }

  private toAppointment(v: Visit, i: number): Appointment {
    const id = `${this.spec.key}-appt-${String(i + 1).padStart(4, '0')}`;
    const clinician = this.spec.clinicians.find((c) => c.id === v.clinicianId);
    const location = this.spec.locations.find((l) => l.id === v.locationId);
    const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Bookings made in the past: a future visit was booked before now, a past one before it happened.
    const created = Math.min(v.start, this.now.toMillis()) - (v.createdDaysBefore * 24 + 1) * 3_600_000;
    const patientStatus: AppointmentParticipant['status'] =
      v.status === 'booked' ? 'needs-action' : v.status === 'cancelled' ? 'declined' : 'accepted';
    return {
      resourceType: 'Appointment',
      id,
      meta: practiceMeta(this.spec),
      identifier: [
        { system: SANDBOX_IDENTIFIER.appointment, value: `${this.spec.mrnPrefix}-A${String(200_001 + i)}` },
      ],
      status: v.status,
      ...(v.status === 'cancelled'
        ? {
            cancelationReason: {
              coding: [
                this.rng.chance(0.75)
                  ? {
                      system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason',
                      code: 'pat',
                      display: 'Patient',
                    }
                  : {
                      system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason',
                      code: 'prov',
                      display: 'Provider',
                    },
              ],
            },
          }
        : {}),
      serviceCategory: [GENERAL_PRACTICE],
      serviceType: [{ text: v.telehealth ? 'Telehealth visit' : 'Office visit' }],
      appointmentType: v.telehealth
        ? TELEHEALTH_TYPE
        : { coding: [{ system: V2_0276, code: v.kind, display: KIND_DISPLAY[v.kind] }] },
      description: v.telehealth ? 'Video visit' : 'Office visit',
      start: iso(v.start),
      end: iso(v.start + v.minutes * 60_000),
      minutesDuration: v.minutes,
      created: iso(created),
      participant: [
        {
          actor: { reference: `Patient/${v.patient.id}`, display: `${v.patient.given} ${v.patient.family}` },
          required: 'required',
          status: patientStatus,
        },
        {
          actor: {
            reference: `Practitioner/${v.clinicianId}`,
            ...(clinician
              ? {
                  display: `${clinician.prefix ? `${clinician.prefix} ` : ''}${clinician.given} ${clinician.family}`,
                }
              : {}),
          },
          required: 'required',
          status: 'accepted',
        },
        {
          actor: { reference: `Location/${v.locationId}`, ...(location ? { display: location.name } : {}) },
          required: 'required',
          status: 'accepted',
        },
      ],
    };
  }
}

function pastStatus(rng: Random): 'fulfilled' | 'noshow' | 'cancelled' {
  return rng.weighted({ fulfilled: 80, noshow: 9, cancelled: 11 });
}

/** Schedules one patient's visits according to their pattern. */
export function scheduleVisits(
  rng: Random,
  scheduler: Scheduler,
  p: PatientProfile,
  regularVisits: readonly [number, number],
): void {
  switch (p.pattern) {
    case 'regular': {
      // The latest visit is within 9 months and took place, so a regular patient is not "inactive".
      const latest = -rng.int(1, 270);
      scheduler.add(p, latest, 'fulfilled', 0.12);
      const more = rng.int(regularVisits[0], regularVisits[1]) - 1;
      for (let k = 0; k < more; k++) {
        scheduler.add(p, -rng.int(-latest + 7, HISTORY_DAYS), pastStatus(rng), 0.12);
      }
      if (p.featured) {
        // In person, soon enough that the 3-day reminder is one clock advance away.
        scheduler.add(p, rng.int(2, 5), 'booked', 0);
      } else if (rng.chance(0.45)) {
        scheduler.add(p, rng.int(1, FUTURE_DAYS), rng.chance(0.9) ? 'booked' : 'cancelled', 0.15);
      }
      return;
    }
    case 'chronic': {
      // Check-ins every 6 to 10 weeks, the latest one within the last 7 weeks.
      let day = -rng.int(2, 50);
      scheduler.add(p, day, 'fulfilled', 0.25);
      for (day -= rng.int(42, 70); day > -HISTORY_DAYS; day -= rng.int(42, 70)) {
        scheduler.add(p, day, pastStatus(rng), 0.25);
      }
      if (rng.chance(0.6)) {
        scheduler.add(p, rng.int(1, FUTURE_DAYS), 'booked', 0.3);
      }
      return;
    }
    case 'inactive': {
      // Seen 12.5 to 18 months ago, nothing since and nothing booked.
      const latest = -rng.int(385, 470);
      scheduler.add(p, latest, 'fulfilled', 0.05);
      const more = rng.int(0, 2);
      for (let k = 0; k < more; k++) {
        scheduler.add(p, -rng.int(-latest + 14, HISTORY_DAYS), pastStatus(rng), 0.05);
      }
      return;
    }
    case 'new':
      scheduler.add(p, rng.int(1, FUTURE_DAYS), 'booked', 0.2);
      return;
  }
}
