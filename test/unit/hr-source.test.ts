import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, parse } from '../../src/engine/sources/hr.js';

const example = readFileSync(new URL('../fixtures/formats/hr-vopersons.json', import.meta.url), 'utf8');

describe('HR source', () => {
  it('reads the example export: ids, names, participations with institutes, dates as days', () => {
    const parsed = parse(example, 'hr.json');
    expect(parsed.kind).toBe('hr');
    const raw = JSON.parse(example) as { id: number; participations: unknown[] }[];
    expect(parsed.records.map((p) => p.id)).toEqual(raw.map((r) => r.id));
    const ada = parsed.records[0];
    expect(ada.participations).toHaveLength(raw[0].participations.length);
    expect(ada.participations[0]).toMatchObject({ experiment: 'DEMO', endDate: null, institute: { country: 'SE' } });
  });

  it('accepts one record on its own and numeric-string ids', () => {
    const parsed = parse('{"id":"42","name":"X","participations":null}', 'one.json');
    expect(parsed.records).toEqual([{ id: 42, name: 'X', firstName: null, email: null, participations: [] }]);
  });

  it.each([
    ['[{"name":"X"}]', 'f.json: [0].id: required field is missing'],
    ['[{"id":1,"participations":[{"experiment":"A","endDate":"2025-02-30"}]}]', 'f.json: [0].participations[0].endDate: expected a date YYYY-MM-DD'],
    ['[{"id":1,"participations":[{"experiment":"A","endDate":"31/12/2025"}]}]', 'f.json: [0].participations[0].endDate'],
    ['[{"id":1,"participations":[{"endDate":null}]}]', 'f.json: [0].participations[0].experiment'],
    ['[{"id":1},{"id":1}]', 'f.json: [1].id: person 1 appears twice'],
    ['"text"', 'f.json: expected a JSON array'],
    ['[{"id":1}', 'f.json: line 1'],
  ])('refuses %s naming file, path and field', (text, message) => {
    expect(() => parse(text, 'f.json')).toThrow(message);
  });

  it('calendar dates refuse days a month does not have', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2025-13-01')).toBe(false);
  });
});
