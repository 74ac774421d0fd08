/**
 * One engine stage in a process of its own, holding only the sources that stage reads (as the
 * command does), so the time is not inflated by a heap that holds every source at once, as the
 * bench process's does. Prints the stage's rows as JSON after `@@ROWS@@`.
 *
 *   node --import tsx bench/engine-child.ts 100000 'plan dirac' [runs]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IamGroup, IamUser, VomsUser, VoPerson } from '../src/engine/model.js';
import { parseSourceFile } from '../src/engine/sources/index.js';
import { ENGINE_STAGE_INPUTS, engineStages } from './engine-stages.js';

const [size, stage, runsArg] = process.argv.slice(2);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '.data', size);
const needs = new Set<string>(ENGINE_STAGE_INPUTS[stage] ?? []);
// As the commands read a dump (a million people's dump is too large for one string).
const read = async (kind: 'voms' | 'iam' | 'hr', file: string) => (await parseSourceFile(kind, path.join(dir, file))).parsed;
const hr = needs.has('hr') ? await read('hr', 'hr-vopersons.json') : null;
const rows = await engineStages(Number(runsArg ?? 3), {
  vo: 'nebula',
  experiment: 'NEBULA',
  today: '2026-11-01',
  voms: needs.has('voms') ? ((await read('voms', 'voms-users.json')).records as VomsUser[]) : undefined,
  iamUsers: needs.has('iam') ? ((await read('iam', 'iam-users.json')).records as IamUser[]) : undefined,
  iamGroups: needs.has('iam') ? ((await read('iam', 'iam-groups.json')).records as IamGroup[]) : undefined,
  hr: hr ? { records: hr.records as VoPerson[], extra: hr.extra } : undefined,
  diracText: needs.has('dirac') ? readFileSync(path.join(dir, 'dirac.cfg'), 'utf8') : undefined,
}, stage);
process.stdout.write(`\n@@ROWS@@${JSON.stringify(rows)}\n`);
