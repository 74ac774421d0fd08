/**
 * Regenerates the bundled demo VO in assets/demo/: `node --import tsx bench/make-demo.ts`.
 * The files are committed; this script only exists so they can be remade after a format change.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateVo, writeVo } from './generate.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const data = generateVo({ size: 300, seed: 7, vo: 'nebula', experiment: 'NEBULA' });
const files = await writeVo(path.join(root, 'assets', 'demo'), data);
console.log(`demo VO ${data.vo}: ${data.voms.count} VOMS users, ${data.iamUsers.totalResults} IAM accounts, ${data.iamGroups.totalResults} IAM groups, ${data.hr.length} HR records`);
for (const f of Object.values(files)) console.log(`  ${path.relative(root, f)}`);
