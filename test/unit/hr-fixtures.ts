/** Small HR test data: linked IAM accounts and VOPersons, built field by field. */
import type { HrParticipation, IamLabel, IamUser, VoPerson } from '../../src/engine/model.js';
import { startOfDay } from '../../src/engine/hr/dates.js';
import { iamUser } from './plan-iam-fixtures.js';

export const TODAY = '2026-01-15';
/** Mid-morning of TODAY, local time. */
export const NOW = startOfDay(TODAY) + 10 * 3600_000;
export const EXPERIMENT = 'NEBULA';

export const hrLabel = (name: string, value: string | null = ''): IamLabel => ({ prefix: 'hr.cern', name, value });

export function linked(id: string, personId: number | string, over: Partial<IamUser> = {}, labels: IamLabel[] = []): IamUser {
  return iamUser(id, { ...over, labels: [hrLabel('cern_person_id', String(personId)), ...labels] });
}

export function participation(endDate: string | null, experiment = EXPERIMENT): HrParticipation {
  return { experiment, startDate: '2020-01-01', endDate, institute: { id: 1, name: 'Example University', town: 'Uppsala', country: 'SE' } };
}

/** A person whose names and email match `iamUser`'s defaults for account `id`, so only what a test sets differs. */
export function person(personId: number, accountId: string, participations: HrParticipation[], over: Partial<VoPerson> = {}): VoPerson {
  return { id: personId, name: 'Lindqvist', firstName: 'Ada', email: `${accountId}@example.org`, participations, ...over };
}
