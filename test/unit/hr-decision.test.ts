import { describe, expect, it } from 'vitest';
import { addDays, localDate, startOfDay } from '../../src/engine/hr/dates.js';
import { decideAll, HR_RULES, linkedPersonIds, pickParticipation, stateOfStatus, type HrDecision, type HrRules } from '../../src/engine/hr/decision.js';
import type { IamUser, VoPerson } from '../../src/engine/model.js';
import type { HrExtra } from '../../src/engine/sources/hr.js';
import { EXPERIMENT, NOW, TODAY, hrLabel, linked, participation, person } from './hr-fixtures.js';

function decide(user: IamUser, persons: VoPerson[], rules: HrRules = 'documented', extra: HrExtra | null = null, others: IamUser[] = []): HrDecision {
  const run = decideAll([user, ...others], persons, extra, { experiment: EXPERIMENT, today: TODAY, now: NOW, rules });
  return run.decisions.find((d) => d.iamId === user.id)!;
}

const FUTURE = startOfDay('2026-06-30');
const PAST = startOfDay('2025-12-01');
const memberStatus = (rules: HrRules) => (rules === 'iam-1.12' ? 'VO_MEMBER' : 'MEMBER');

describe.each(HR_RULES)('HR decision, rules %s', (rules) => {
  it('1. ignore label (and its older name): IGNORED, end time left alone', () => {
    for (const name of ['ignore', 'ignored']) {
      const user = linked('a', 1, { endTime: PAST }, [hrLabel(name)]);
      const d = decide(user, [], rules);
      expect(d.status).toBe('IGNORED');
      expect(d.endTime).toBeNull();
      expect(d.message).toContain(name);
    }
  });

  it('2. HR API error: ERROR, end time untouched', () => {
    const user = linked('a', 1, { endTime: FUTURE });
    const d = decide(user, [], rules, { notFound: [], errors: [{ personId: 1, message: 'HTTP 500' }] });
    expect(d.status).toBe('ERROR');
    expect(d.endTime).toBeNull();
    expect(d.reason).toContain('HTTP 500');
  });

  it('a person id label that is not a number is an ERROR, not a crash', () => {
    const d = decide(linked('a', 'abc'), [], rules);
    expect(d.status).toBe('ERROR');
    expect(d.personId).toBeNull();
  });

  it('3. names follow HR; email follows HR unless skip-email-synch or bound to another account', () => {
    const p = person(1, 'a', [participation(null)], { firstName: 'Adah', name: 'Lindqvist-Berg', email: 'ada.new@example.org' });
    const d = decide(linked('a', 1), [p], rules);
    expect(d.givenName).toEqual({ old: 'Ada', new: 'Adah' });
    expect(d.familyName).toEqual({ old: 'Lindqvist', new: 'Lindqvist-Berg' });
    expect(d.emailSync).toEqual({ old: 'a@example.org', new: 'ada.new@example.org' });

    const skipped = decide(linked('a', 1, {}, [hrLabel('skip-email-synch')]), [p], rules);
    expect(skipped.emailSync).toBeNull();
    expect(skipped.reason).toContain('skip-email-synch');

    const other = linked('b', 2, { emails: [{ value: 'ADA.NEW@example.org', type: null, primary: true }] });
    const bound = decide(linked('a', 1), [p], rules, null, [other]);
    expect(bound.emailSync).toBeNull();
    expect(bound.emailBound).toEqual({ email: 'ada.new@example.org', iamId: 'b', userName: 'b' });

    const caseOnly = decide(linked('a', 1), [person(1, 'a', [participation(null)], { email: 'A@Example.org' })], rules);
    expect(caseOnly.emailSync).toBeNull();
  });

  it('the HR email is bound to the first other account holding it, listed before or after, in any email, any case', () => {
    const p = person(1, 'a', [participation(null)], { email: 'karl@example.org' });
    const holder = (id: string, value: string): IamUser => ({
      ...linked(id, 'none'),
      labels: null,
      emails: [{ value: `${id}@example.org`, type: null, primary: true }, { value, type: null, primary: false }],
    });
    // U+212A KELVIN SIGN lower-cases to k.
    const before = holder('0', '\u212Aarl@example.org');
    const after = holder('b', 'KARL@EXAMPLE.ORG');
    const run = decideAll([before, linked('a', 1), after], [p], null, { experiment: EXPERIMENT, today: TODAY, now: NOW, rules });
    expect(run.decisions[0].emailBound).toEqual({ email: 'karl@example.org', iamId: '0', userName: '0' });
    const later = decideAll([linked('a', 1), after], [p], null, { experiment: EXPERIMENT, today: TODAY, now: NOW, rules });
    expect(later.decisions[0].emailBound).toEqual({ email: 'karl@example.org', iamId: 'b', userName: 'b' });
    const none = decideAll([linked('a', 1), holder('b', 'karl@example.com')], [p], null, { experiment: EXPERIMENT, today: TODAY, now: NOW, rules });
    expect(none.decisions[0].emailSync).toEqual({ old: 'a@example.org', new: 'karl@example.org' });
  });

  it('4. participation ending today is valid (dates only); yesterday is expired; tomorrow and open are valid', () => {
    const today = decide(linked('a', 1), [person(1, 'a', [participation(TODAY)])], rules);
    expect(today.status).toBe(memberStatus(rules));
    expect(today.endTime).toEqual({ old: null, new: startOfDay(TODAY) });

    const tomorrow = decide(linked('a', 1), [person(1, 'a', [participation(addDays(TODAY, 1))])], rules);
    expect(tomorrow.status).toBe(memberStatus(rules));
    expect(tomorrow.endTime?.new).toBe(startOfDay(addDays(TODAY, 1)));

    const open = decide(linked('a', 1, { endTime: FUTURE }), [person(1, 'a', [participation(null)])], rules);
    expect(open.status).toBe(memberStatus(rules));
    expect(open.endTime).toEqual({ old: FUTURE, new: null });

    const yesterday = decide(linked('a', 1), [person(1, 'a', [participation(addDays(TODAY, -1))])], rules);
    expect(yesterday.status).toBe('EXPIRED');
    expect(yesterday.endTime).toEqual({ old: null, new: NOW });
  });

  it('an end time on the same day as the HR end date is not changed again', () => {
    const sameDay = startOfDay('2026-06-30') + 15 * 3600_000;
    const d = decide(linked('a', 1, { endTime: sameDay }), [person(1, 'a', [participation('2026-06-30')])], rules);
    expect(d.endTime).toBeNull();
  });

  it('5. several participations: open-ended first, else the latest end date', () => {
    const p = person(1, 'a', [participation('2025-01-01'), participation('2027-03-01'), participation('2026-09-01')]);
    expect(pickParticipation(p, EXPERIMENT)?.endDate).toBe('2027-03-01');
    const withOpen = person(1, 'a', [participation('2027-03-01'), participation(null), participation('2028-01-01')]);
    expect(pickParticipation(withOpen, EXPERIMENT)?.endDate).toBeNull();
    const d = decide(linked('a', 1), [p], rules);
    expect(d.endTime?.new).toBe(startOfDay('2027-03-01'));
    // Other experiments never count, however late they end.
    const other = decide(linked('a', 1), [person(1, 'a', [participation(null, 'OTHER'), participation('2025-01-01')])], rules);
    expect(other.status).toBe('EXPIRED');
  });

  it('experiment matched ignoring case', () => {
    const d = decide(linked('a', 1), [person(1, 'a', [participation(null, 'nebula')])], rules);
    expect(d.status).toBe(memberStatus(rules));
    const d2 = decideAll([linked('a', 1)], [person(1, 'a', [participation(null)])], null, { experiment: 'Nebula', today: TODAY, now: NOW, rules });
    expect(d2.decisions[0].status).toBe(memberStatus(rules));
  });

  it('6. no participation: EXPIRED; end time ← now only while the account is still valid', () => {
    const p = [person(1, 'a', [])];
    expect(decide(linked('a', 1, { endTime: null }), p, rules).endTime).toEqual({ old: null, new: NOW });
    expect(decide(linked('a', 1, { endTime: FUTURE }), p, rules).endTime).toEqual({ old: FUTURE, new: NOW });
    const past = decide(linked('a', 1, { endTime: PAST }), p, rules);
    expect(past.status).toBe('EXPIRED');
    expect(past.endTime).toBeNull();
    expect(past.resultingEndTime).toBe(PAST);
    // An end time later today is still valid, and already today: nothing to change.
    expect(decide(linked('a', 1, { endTime: startOfDay(TODAY) + 20 * 3600_000 }), p, rules).endTime).toBeNull();
  });

  it('restore only when the lifecycle suspended the account (SUSPENDED or PENDING_REMOVAL)', () => {
    const p = [person(1, 'a', [participation(null)])];
    const lifecycle = (value: string) => ({ prefix: null, name: 'lifecycle.status', value });
    for (const state of ['SUSPENDED', 'PENDING_REMOVAL']) {
      const d = decide(linked('a', 1, { active: false }, [lifecycle(state)]), p, rules);
      expect(d.restore).toBe(true);
      expect(d.removeLabels).toContain('lifecycle.status');
    }
    const admin = decide(linked('a', 1, { active: false }), p, rules);
    expect(admin.restore).toBe(false);
    expect(admin.reason).toContain('suspended by an admin');
    expect(decide(linked('a', 1, { active: false }, [lifecycle('PENDING_SUSPENSION')]), p, rules).restore).toBe(false);
    // Expired people are never restored.
    expect(decide(linked('a', 1, { active: false }, [lifecycle('SUSPENDED')]), [person(1, 'a', [])], rules).restore).toBe(false);
  });

  it('the retired action label is removed where found', () => {
    const d = decide(linked('a', 1, {}, [hrLabel('action', 'EXPIRE')]), [person(1, 'a', [participation(null)])], rules);
    expect(d.removeLabels).toContain('action');
  });

  it('legacy and other-variant status values are read', () => {
    for (const [value, state] of [['ID_NOT_FOUND', 'error'], ['EXP_NOT_FOUND', 'expired'], ['VO_MEMBER', 'member'], ['MEMBER', 'member'], ['IGNORED', 'ignored'], ['WHATEVER', 'unknown']] as const) {
      expect(stateOfStatus(value)).toBe(state);
      const d = decide(linked('a', 1, {}, [hrLabel('status', value)]), [person(1, 'a', [participation(null)])], rules);
      expect(d.previousStatus).toBe(value);
      expect(d.status).toBe(memberStatus(rules));
    }
  });

  it('the message fits an IAM label value (64 characters)', () => {
    const long = 'X'.repeat(80);
    const run = decideAll([linked('a', 1)], [person(1, 'a', [participation('2025-01-01', long)])], null, { experiment: long, today: TODAY, now: NOW, rules });
    expect(run.decisions[0].message.length).toBeLessThanOrEqual(64);
  });
});

describe('HR decision: where the two rule sets differ', () => {
  it('a person missing from HR: ERROR with the end time untouched (documented), EXPIRED with end ← now (iam-1.12)', () => {
    const user = linked('a', 1, { endTime: FUTURE });
    const documented = decide(user, [], 'documented', { notFound: [1], errors: [] });
    expect(documented.status).toBe('ERROR');
    expect(documented.endTime).toBeNull();
    const v112 = decide(user, [], 'iam-1.12', { notFound: [1], errors: [] });
    expect(v112.status).toBe('EXPIRED');
    expect(v112.endTime).toEqual({ old: FUTURE, new: NOW });
    // Absent from an offline export is the same as not found.
    expect(decide(user, [], 'iam-1.12').status).toBe('EXPIRED');
  });

  it('skip-end-date-synch keeps the end time under iam-1.12 only', () => {
    const user = linked('a', 1, { endTime: FUTURE }, [hrLabel('skip-end-date-synch')]);
    const p = [person(1, 'a', [participation('2027-01-01')])];
    expect(decide(user, p, 'iam-1.12').endTime).toBeNull();
    expect(decide(user, [person(1, 'a', [])], 'iam-1.12').endTime).toBeNull();
    expect(decide(user, p, 'documented').endTime).toEqual({ old: FUTURE, new: startOfDay('2027-01-01') });
  });

  it('iam-1.12 deletes the timestamp label rather than writing it', () => {
    const user = linked('a', 1, {}, [hrLabel('timestamp', '2025-01-01T00:00:00Z')]);
    const p = [person(1, 'a', [participation(null)])];
    expect(decide(user, p, 'iam-1.12').removeLabels).toContain('timestamp');
    expect(decide(user, p, 'documented').removeLabels).not.toContain('timestamp');
  });
});

describe('linked accounts', () => {
  it('only accounts with hr.cern/cern_person_id are decided, sorted by IAM id; person ids once each', () => {
    const users = [linked('c', 7), linked('a', 7), { ...linked('b', 1), labels: [] }, { ...linked('d', 1), labels: null }];
    const run = decideAll(users, [], null, { experiment: EXPERIMENT, today: TODAY, now: NOW });
    expect(run.decisions.map((d) => d.iamId)).toEqual(['a', 'c']);
    expect(run.counts.ERROR).toBe(2);
    expect(run.warnings.join()).toContain('1 IAM accounts came without labels');
    expect(linkedPersonIds(users)).toEqual([7]);
  });

  it('local dates: the day of an instant is the day of its local midnight', () => {
    expect(localDate(startOfDay('2026-03-29'))).toBe('2026-03-29');
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });

  it('finds each person by id whether the ids are close together or far apart; a person listed twice is the last one', () => {
    const users = [linked('a', 3), linked('b', 4_000_000_000), linked('c', 5), linked('d', 6), linked('e', '0007')];
    const persons = [
      person(3, 'a', [participation(null)]),
      person(5, 'c', [participation('2020-01-01')]),
      person(5, 'c', [participation(null)]),
      person(7, 'e', [participation(null)]),
    ];
    const statuses = (list: VoPerson[]) =>
      Object.fromEntries(decideAll(users, list, null, { experiment: EXPERIMENT, today: TODAY, now: NOW }).decisions.map((d) => [d.iamId, [d.status, d.person?.id ?? null]]));
    const expected = { a: ['MEMBER', 3], b: ['ERROR', null], c: ['MEMBER', 5], d: ['ERROR', null], e: ['MEMBER', 7] };
    expect(statuses(persons)).toEqual(expected);
    // Ids billions apart, and one that is not an integer, are looked up another way with the same answers.
    expect(statuses([...persons, person(4_000_000_001, 'x', [])])).toEqual(expected);
    expect(statuses([...persons, person(2.5, 'x', [])])).toEqual(expected);
    expect(statuses([...persons, person(4_000_000_000, 'b', [participation(null)])])).toEqual({ ...expected, b: ['MEMBER', 4_000_000_000] });
  });
});
