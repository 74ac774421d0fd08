/**
 * The TUI joins the sources in steps between frames (src/app/data.ts) with its own certificate
 * keys; the people it shows must be paired exactly as `compare` pairs them, on a generated VO with
 * renewed certificates, shared mailboxes and accounts only one side has.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { buildAppData, startAppLoad } from '../../src/app/data.js';
import { compareVomsIam } from '../../src/engine/comparison/index.js';
import type { IamGroup, IamUser, VomsUser, VoPerson } from '../../src/engine/model.js';
import { parse as parseHr } from '../../src/engine/sources/hr.js';
import { parse as parseIam } from '../../src/engine/sources/iam.js';
import { parse as parseVoms } from '../../src/engine/sources/voms.js';
import { openStore } from '../../src/store/store.js';

const data = generateVo({ size: 12_000, seed: 11, vo: 'nebula' });
const voms = parseVoms(JSON.stringify(data.voms), 'voms.json').records as VomsUser[];
const iamUsers = parseIam(JSON.stringify(data.iamUsers), 'iam-users.json').records as IamUser[];
const iamGroups = parseIam(JSON.stringify(data.iamGroups), 'iam-groups.json').records as IamGroup[];
const hr = parseHr(JSON.stringify(data.hr), 'hr.json').records as VoPerson[];

describe('the people the TUI shows', () => {
  const app = buildAppData({ vo: 'nebula', voms, iamUsers, iamGroups, hr });
  const compared = compareVomsIam({ vo: 'nebula', voms, iamUsers, iamGroups });

  it('pair each VOMS user with the IAM account compare matches it with, and no other', () => {
    const shown = new Map(app.people.filter((p) => p.voms).map((p) => [p.voms!.id, p.iam?.id ?? null]));
    const reported = compared.people.filter((p) => p.vomsId !== null);
    expect(reported.length).toBeGreaterThan(1000);
    for (const p of reported) expect([p.vomsId, shown.get(p.vomsId!)]).toEqual([p.vomsId, p.status === 'matched' ? p.iamId : null]);
    const pairs = app.people.filter((p) => p.voms && p.iam).length;
    expect(pairs).toBe(compared.summary.peopleMatched);
    expect(app.people.filter((p) => !p.voms).length).toBe(compared.summary.peopleMissingInVoms);
  });

  it('list every VOMS user once, then every unmatched IAM account once', () => {
    expect(app.people.slice(0, voms.length).map((p) => p.vomsId)).toEqual(voms.map((u) => u.id));
    const accounts = app.people.slice(voms.length).map((p) => p.iam!.id);
    expect(new Set(accounts).size).toBe(accounts.length);
    expect(app.people.filter((p) => p.hr !== null).length).toBeGreaterThan(0);
  });

  it('join in many short steps after the records are read, not one step for the whole matching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idsync-app-data-'));
    const store = await openStore(join(dir, 'store.sqlite'));
    try {
      for (const [source, records] of [['voms', voms], ['iam-users', iamUsers], ['iam-groups', iamGroups], ['hr', hr]] as const) {
        store.addSnapshot({ source, vo: 'nebula', origin: `${source}.json`, sha256: source, records });
      }
      const load = startAppLoad(store, 'nebula');
      let joinSteps = 0;
      let next = load.steps.next();
      for (; !next.done; next = load.steps.next()) if (next.value.done === next.value.total) joinSteps++;
      expect(next.value.people.map((p) => p.key)).toEqual(app.people.map((p) => p.key));
      // 12 000 accounts and 12 000 VOMS users, 5 000 at a time: the certificate keys of each side
      // take 2 steps of their own, the VOMS people 2 more, where the matching used to be one step.
      expect(joinSteps).toBeGreaterThanOrEqual(7);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
