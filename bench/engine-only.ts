/**
 * One size's engine stages alone, on the files the bench generated (bench/.data/<size>), for
 * profiling: parses the sources once, then runs the engine stages.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/engine-only.ts 10000 ['plan iam']
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IamGroup, IamUser, VomsUser, VoPerson } from '../src/engine/model.js';
import { SOURCE_PARSERS } from '../src/engine/sources/index.js';
import { engineStages } from './engine-stages.js';

const size = Number(process.argv[2] ?? 10_000);
const only = process.argv[3] ?? null;
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '.data', String(size));
const read = (kind: 'voms' | 'iam' | 'hr', file: string) => SOURCE_PARSERS[kind]!(readFileSync(path.join(dir, file), 'utf8'), file);
const hr = read('hr', 'hr-vopersons.json');
const rows = await engineStages(1, {
  vo: 'nebula',
  experiment: 'NEBULA',
  today: '2026-11-01',
  voms: read('voms', 'voms-users.json').records as VomsUser[],
  iamUsers: read('iam', 'iam-users.json').records as IamUser[],
  iamGroups: read('iam', 'iam-groups.json').records as IamGroup[],
  hr: { records: hr.records as VoPerson[], extra: hr.extra },
  diracText: readFileSync(path.join(dir, 'dirac.cfg'), 'utf8'),
}, only);
for (const row of rows) process.stdout.write(`${row.stage}: ${row.display}\n`);
