/**
 * The command line (`main` of src/program.ts) on a real database in a temp folder:
 * import, snapshots, emails, and bad input that must leave the database as it was.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import type { IamUser, VomsUser } from '../../src/engine/model.js';
import { emailReport } from '../../src/engine/rules/emails.js';
import { parseEmailMap } from '../../src/engine/sources/emailMap.js';
import { parse as parseIam } from '../../src/engine/sources/iam.js';
import { parse as parseVoms } from '../../src/engine/sources/voms.js';
import { runMain, type MainResult } from '../fixtures/run-main.js';

const root = join(import.meta.dirname, '..', '..');
const formats = join(root, 'test', 'fixtures', 'formats');
let dir: string;
let files: Record<string, string>;

function cli(db: string, args: string[]): Promise<MainResult> {
  return runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_DB: undefined });
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-cli-'));
  files = await writeVo(join(dir, 'vo'), generateVo({ size: 300, seed: 11, vo: 'nebula' }));
});

describe('idsync-tui import / snapshots / emails', { timeout: 120_000 }, () => {
  it('imports a VOMS dump once, lists it, and gives the email report of the stored data', async () => {
    const db = join(dir, 'a.sqlite');
    const first = await cli(db, ['import', 'voms', files.voms, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const snapshot = JSON.parse(first.stdout);
    expect(snapshot).toMatchObject({ id: 1, source: 'voms', vo: 'nebula', sha256: sha(files.voms), alreadyStored: false });
    const vomsUsers: VomsUser[] = parseVoms(readFileSync(files.voms, 'utf8'), files.voms).records;
    expect(snapshot.recordCount).toBe(vomsUsers.length);

    const again = await cli(db, ['import', 'voms', files.voms]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already stored as snapshot 1/);

    expect((await cli(db, ['import', 'iam', files.iamUsers])).code).toBe(0);
    expect((await cli(db, ['import', 'iam', files.iamGroups])).stdout).toMatch(/imported \d+ IAM groups as snapshot 3/);
    const listed = JSON.parse((await cli(db, ['snapshots', '--json'])).stdout).snapshots;
    expect(listed.map((s: { source: string }) => s.source)).toEqual(['voms', 'iam-users', 'iam-groups']);
    const onlyIam = JSON.parse((await cli(db, ['snapshots', '--source', 'iam', '--json'])).stdout).snapshots;
    expect(onlyIam.map((s: { id: number }) => s.id)).toEqual([2, 3]);
    const onlyVoms = JSON.parse((await cli(db, ['snapshots', '--source', 'voms', '--json'])).stdout).snapshots;
    expect(onlyVoms).toHaveLength(1);
    expect((await cli(db, ['snapshots'])).stdout).toMatch(/^ID\s+SOURCE\s+VO\s+RECORDS/);

    const emails = await cli(db, ['emails', '--json', '--email-map', files.emailMap]);
    expect(emails.stderr).toBe('');
    expect(emails.code).toBe(0);
    const iamUsers = parseIam(readFileSync(files.iamUsers, 'utf8'), files.iamUsers).records as IamUser[];
    const emailMap = parseEmailMap(readFileSync(files.emailMap, 'utf8'), files.emailMap);
    expect(JSON.parse(emails.stdout)).toEqual(emailReport(vomsUsers, iamUsers, { emailMap, vo: 'nebula' }));
  });

  it('reports the example VO\'s shared mailbox only when suspended users count', async () => {
    const db = join(dir, 'b.sqlite');
    const voms = join(formats, 'voms-users.json');
    const plain = JSON.parse((await cli(db, ['emails', '--voms', voms, '--json'])).stdout);
    expect(plain.sharedEmails).toEqual([]);
    const all = JSON.parse((await cli(db, ['emails', '--voms', voms, '--sync-activation', '--json'])).stdout);
    expect(all.sharedEmails).toEqual([{ email: 'shared.mailbox@example.org', vomsIds: [102, 103] }]);
    const text = await cli(db, ['emails', '--sync-activation']);
    expect(text.stdout).toContain('shared.mailbox@example.org  VOMS ids 102, 103');
    expect(text.stdout).toMatch(/another account: not checked \(no IAM users/);
  });

  it('refuses bad files with one line naming file and place, and leaves the database unchanged', async () => {
    const db = join(dir, 'c.sqlite');
    expect((await cli(db, ['import', 'voms', files.voms])).code).toBe(0);
    const before = sha(db);

    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, readFileSync(files.voms, 'utf8').slice(0, 5000));
    const cut = await cli(db, ['import', 'voms', truncated]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/^idsync-tui: .*truncated\.json: line \d+: the JSON ends early.*\n$/);

    const wrong = join(dir, 'wrong.json');
    const page = JSON.parse(readFileSync(files.voms, 'utf8'));
    page.result[41].certificates[0].subjectString = 42;
    writeFileSync(wrong, JSON.stringify(page));
    const typed = await cli(db, ['import', 'voms', wrong]);
    expect(typed.code).toBe(1);
    expect(typed.stderr).toBe(`idsync-tui: ${wrong}: result[41].certificates[0].subjectString: expected a string, got 42\n`);

    const groupsAsUsers = await cli(db, ['emails', '--iam', files.iamGroups]);
    expect(groupsAsUsers.code).toBe(2);
    expect(groupsAsUsers.stderr).toMatch(/is an IAM groups dump, but --iam takes IAM users; pass it as --iam-groups/);

    const otherVo = await cli(db, ['--vo', 'atlas', 'import', 'voms', files.voms]);
    expect(otherVo.code).toBe(1);
    expect(otherVo.stderr).toMatch(/is a dump of VO "nebula", not of "atlas"/);

    expect((await cli(db, ['import', 'ldap', files.voms])).code).toBe(2);
    expect((await cli(db, ['import', 'voms', join(dir, 'missing.json')])).stderr).toMatch(/missing\.json: no such file\n$/);
    expect(sha(db)).toBe(before);
    expect(JSON.parse((await cli(db, ['snapshots', '--json'])).stdout).snapshots).toHaveLength(1);
  });

  it('says how to get data when the database has none', async () => {
    const db = join(dir, 'empty.sqlite');
    const run = await cli(db, ['emails']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`idsync-tui: no VOMS snapshot in ${db}: run \`idsync-tui import voms FILE\` or pass --voms FILE\n`);
    expect(JSON.parse((await cli(db, ['snapshots', '--json'])).stdout)).toEqual({ snapshots: [] });
  });

  it('imports the same bytes under another name as the existing snapshot', async () => {
    const db = join(dir, 'd.sqlite');
    const copy = join(dir, 'copy.json');
    copyFileSync(files.voms, copy);
    const a = JSON.parse((await cli(db, ['import', 'voms', files.voms, '--json'])).stdout);
    const b = JSON.parse((await cli(db, ['import', 'voms', copy, '--json'])).stdout);
    expect(b).toMatchObject({ id: a.id, alreadyStored: true });
  });
});
