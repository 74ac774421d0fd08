import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { InputError } from '../../src/engine/errors.js';
import type { VomsUser } from '../../src/engine/model.js';
import { checkNesting, parseJsonText, readSourceFile } from '../../src/engine/sources/json.js';
import { loadParser, parseSourceFile } from '../../src/engine/sources/index.js';
import { parse } from '../../src/engine/sources/voms.js';

const example = readFileSync(new URL('../fixtures/formats/voms-users.json', import.meta.url), 'utf8');
const page = JSON.parse(example) as { startIndex: number; pageSize: number; count: number; result: Record<string, unknown>[] };

function refusal(value: unknown, file = 'voms-dump.json'): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
  try {
    parse(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('the dump was accepted');
}

function withUser(index: number, change: (user: Record<string, any>) => void) {
  const copy = structuredClone(page);
  change(copy.result[index]);
  return copy;
}

describe('VOMS dump shapes', () => {
  it('normalises the example page', () => {
    const parsed = parse(example, 'voms-users.json');
    expect(parsed.kind).toBe('voms');
    expect(parsed.vo).toBe('demo');
    const ada = parsed.records[0];
    expect(ada.id).toBe(101);
    expect(ada.email).toBe('ada.lindqvist@example.org');
    expect(ada.cernHrId).toBe(700101);
    expect(ada.creationTime).toBe(Date.UTC(2018, 3, 3, 9, 12, 44));
    expect(ada.certificates).toHaveLength(2);
    expect(ada.certificates[1]).toMatchObject({ suspended: true, suspensionReason: 'certificate expired' });
    expect(ada.fqans).toContain('/demo/production/Role=pilot');
    expect(ada.attributes).toEqual([{ name: 'nickname', value: 'alindqvi' }]);
    expect(ada.aupAcceptanceRecords[0].lastAcceptanceDate).toBe(Date.UTC(2025, 0, 10, 9));
    const bo = parsed.records[1];
    expect(bo).toMatchObject({ suspended: true, suspensionReasonCode: 'MEMBERSHIP_EXPIRATION', cernHrId: null, endTime: null, institution: null });
    // fields the exporter did not give are null or empty, never undefined
    const chen = parsed.records[2];
    expect(chen.attributes).toEqual([]);
    expect(chen.aupAcceptanceRecords).toEqual([]);
    expect(Object.values(chen).includes(undefined)).toBe(false);
  });

  it('reads an array of pages and a plain array of users to the same records', () => {
    const one = parse(example, 'a.json').records;
    const pages = [
      { ...page, result: page.result.slice(0, 2), pageSize: 2 },
      { ...page, startIndex: 2, result: page.result.slice(2), pageSize: 2 },
    ];
    expect(parse(JSON.stringify(pages), 'b.json').records).toEqual(one);
    expect(parse(JSON.stringify(page.result), 'c.json').records).toEqual(one);
    expect(parse('[]', 'empty.json').records).toEqual([]);
  });

  it('reads the synthetic VO and keeps every user', () => {
    const vo = generateVo({ size: 400, seed: 7, vo: 'nebula' });
    const parsed = parse(JSON.stringify(vo.voms), 'synthetic.json');
    expect(parsed.records).toHaveLength(vo.voms.result.length);
    expect(parsed.vo).toBe('nebula');
    const ids = new Set(parsed.records.map((u: VomsUser) => u.id));
    expect(ids.size).toBe(parsed.records.length);
    expect(parsed.records.every((u) => u.certificates.every((c) => c.subject.startsWith('/')))).toBe(true);
  });

  it('records how many users the pages declare', () => {
    const parsed = parse(JSON.stringify({ ...page, count: 250 }), 'partial.json');
    expect(parsed.extra).toMatchObject({ shape: 'page', declaredCount: 250 });
  });
});

describe('VOMS dump refusals name file, JSON path and field', () => {
  it('a wrong type', () => {
    expect(refusal(withUser(1, (u) => (u.certificates[0].subjectString = 42)))).toBe(
      'voms-dump.json: result[1].certificates[0].subjectString: expected a string, got 42',
    );
  });
  it('a missing id or certificates', () => {
    expect(refusal(withUser(2, (u) => delete u.id))).toBe('voms-dump.json: result[2].id: required field is missing');
    expect(refusal(withUser(0, (u) => delete u.certificates))).toBe('voms-dump.json: result[0].certificates: required field is missing');
  });
  it('a path inside an array of pages and of users', () => {
    const second = withUser(1, (u) => (u.suspended = 'yes'));
    second.result.forEach((u, i) => (u.id = 900 + i));
    const pages = [page, second];
    expect(refusal(pages)).toBe('voms-dump.json: [1].result[1].suspended: expected true or false, got "yes"');
    expect(refusal([{ id: 1, certificates: [] }, { id: 'x', certificates: [] }])).toBe('voms-dump.json: [1].id: expected a number, got "x"');
  });
  it('a duplicate user id, also across pages', () => {
    expect(refusal(withUser(2, (u) => (u.id = 101)))).toBe('voms-dump.json: result[2].id: duplicate user id 101 (also at result[0])');
    expect(refusal([page, page])).toMatch(/^voms-dump.json: \[1\]\.result\[0\]\.id: duplicate user id 101 \(also at \[0\]\.result\[0\]\)$/);
  });
  it('a date that is not a date, and a DN that is not in slash form', () => {
    expect(refusal(withUser(0, (u) => (u.endTime = '2027-13-45')))).toMatch(/^voms-dump.json: result\[0\]\.endTime: expected a date/);
    expect(refusal(withUser(2, (u) => (u.creationTime = '2021-02-29T10:00:00')))).toMatch(/^voms-dump.json: result\[2\]\.creationTime: expected a date/);
    expect(refusal(withUser(2, (u) => (u.creationTime = '2021-04-31T10:00:00.000+02:00')))).toMatch(/result\[2\]\.creationTime: expected a date/);
    const zoned = parse(JSON.stringify(withUser(2, (u) => (u.creationTime = '2024-02-29T10:00:00.500+02:00'))), 'z.json');
    expect(zoned.records[2].creationTime).toBe(Date.UTC(2024, 1, 29, 8, 0, 0, 500));
    expect(refusal(withUser(0, (u) => (u.certificates[0].subjectString = 'CN=x,DC=ch')))).toMatch(
      /^voms-dump.json: result\[0\]\.certificates\[0\]\.subjectString: expected a DN in slash form/,
    );
  });
  it('a CERN person id that is not one', () => {
    expect(refusal(withUser(0, (u) => (u.cernHrId = '99999999999999999999')))).toBe('voms-dump.json: result[0].cernHrId: not a CERN person id: "99999999999999999999"');
    expect(parse(JSON.stringify(withUser(0, (u) => (u.cernHrId = ' 700101 '))), 'ok.json').records[0].cernHrId).toBe(700101);
  });
  it('a DN the DN parser cannot read', () => {
    expect(refusal(withUser(0, (u) => (u.certificates[0].issuerString = '/DC=ch/CN=broken\\')))).toBe(
      'voms-dump.json: result[0].certificates[0].issuerString: not a readable DN: a backslash ends "/DC=ch/CN=broken\\\\"',
    );
    expect(parse(JSON.stringify(withUser(0, (u) => (u.certificates[0].subjectString = '/DC=ch/CN=a\\/CN=b'))), 'ok.json').records[0].certificates[0].subject).toBe(
      '/DC=ch/CN=a\\/CN=b',
    );
  });
  it('a truncated file and a file that is not JSON, with the line', () => {
    expect(refusal(example.slice(0, 900))).toMatch(/^voms-dump.json: line \d+: the JSON ends early/);
    expect(refusal('{\n  "result": [\n    { "id": 1,, }\n  ]\n}')).toMatch(/^voms-dump.json: line 3, column \d+: not valid JSON/);
    expect(refusal('id;email\n1;a@b')).toMatch(/^voms-dump.json: line 1, column 1: not valid JSON/);
    expect(refusal('\n\n  {"result": nul }')).toBe('voms-dump.json: line 3, column 14: not valid JSON: unexpected "nul"');
    expect(refusal('[1, 2, tru]')).toBe('voms-dump.json: line 1, column 8: not valid JSON: unexpected "tru"');
    expect(refusal('')).toBe('voms-dump.json: is empty; expected JSON');
  });
  it('JSON of another shape', () => {
    expect(refusal({ Resources: [] })).toMatch(/^voms-dump.json: expected a VOMS users page/);
    expect(refusal('"text"')).toMatch(/expected a VOMS users page .*; got "text"$/);
  });
});

describe('reading files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'voms-source-'));
  it('refuses a missing file, a folder and bytes that are not UTF-8', async () => {
    await expect(readSourceFile(path.join(dir, 'nope.json'))).rejects.toThrow(/nope\.json: no such file$/);
    mkdirSync(path.join(dir, 'folder'));
    await expect(readSourceFile(path.join(dir, 'folder'))).rejects.toThrow(/folder: is a folder, not a file$/);
    const latin1 = path.join(dir, 'latin1.json');
    writeFileSync(latin1, Buffer.concat([Buffer.from('[\n{"id": 1, "name": "Ren'), Buffer.from([0xe9]), Buffer.from('e"}]')]));
    await expect(readSourceFile(latin1)).rejects.toThrow(/latin1\.json: line 2, column 23: not valid UTF-8/);
  });
  it('parses a file and hashes its bytes', async () => {
    const file = path.join(dir, 'voms.json');
    writeFileSync(file, `\ufeff${example}`);
    const { parsed, sha256 } = await parseSourceFile('voms', file);
    expect(parsed.records).toHaveLength(3);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await parseSourceFile('voms', file)).sha256).toBe(sha256);
  });
  it('finds parsers by name', async () => {
    expect(await loadParser('voms')).toBe(parse);
    await expect(loadParser('ldap' as never)).rejects.toThrow(/unknown source "ldap"/);
  });
  it('refuses deep nesting where raw JSON is kept', () => {
    const deep = parseJsonText(`${'['.repeat(100)}1${']'.repeat(100)}`, 'x.json');
    expect(() => checkNesting(deep, 'x.json', 'extra')).toThrow('x.json: extra: nested more than 64 levels deep');
    expect(() => checkNesting(parseJsonText('{"a": [[{"b": 1}]]}', 'y.json'), 'y.json', 'extra')).not.toThrow();
  });
});
