import { describe, expect, it } from 'vitest';
import { addDays, startOfDay } from '../../src/engine/hr/dates.js';
import { gracePeriods, project } from '../../src/engine/hr/projection.js';

describe('expiry projection', () => {
  const end = '2026-01-10';
  it('no end time: nothing happens', () => {
    expect(project(null, '2026-01-15')).toEqual({ endDate: null, pendingSuspension: null, suspension: null, removal: null, today: 'active' });
  });

  it('pending suspension the day after the end date, suspension and removal after the grace periods (defaults 7, 30)', () => {
    const p = project(startOfDay(end) + 3600_000, '2026-01-01');
    expect(p).toEqual({ endDate: end, pendingSuspension: addDays(end, 1), suspension: addDays(end, 8), removal: addDays(end, 31), today: 'active' });
  });

  it('the state a run today gives follows the dates', () => {
    const t = startOfDay(end);
    expect(project(t, end).today).toBe('active');
    expect(project(t, addDays(end, 1)).today).toBe('PENDING_SUSPENSION');
    expect(project(t, addDays(end, 8)).today).toBe('PENDING_REMOVAL');
    expect(project(t, addDays(end, 31)).today).toBe('REMOVED');
    expect(project(t, addDays(end, 40), { suspensionDays: 7, removalDays: 30, removal: false })).toMatchObject({ today: 'SUSPENDED', removal: null });
  });

  it('grace periods come from settings, refusing nonsense', () => {
    expect(gracePeriods('3', '10')).toEqual({ suspensionDays: 3, removalDays: 10, removal: true });
    expect(gracePeriods(undefined, 'off').removal).toBe(false);
    expect(project(startOfDay(end), '2026-01-01', gracePeriods('3', '10')).removal).toBe(addDays(end, 11));
    expect(() => gracePeriods('-1', undefined)).toThrow('hr.suspensionGraceDays');
    expect(() => gracePeriods(undefined, 'x')).toThrow('hr.removalGraceDays');
  });
});
