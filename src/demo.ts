/**
 * `--demo`: a fresh database in a temporary directory, loaded from the bundled demo VO
 * (assets/demo), removed again when the TUI closes. A source that cannot be read is left out and
 * said so on the Overview, rather than keeping the demo from opening.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from './engine/errors.js';
import { importFile } from './store/importFile.js';
import { openStore } from './store/store.js';

export const DEMO_VO = 'nebula';

/** The bundled files, in import order. The IAM groups dump is told apart from users by content. */
export const DEMO_FILES: readonly { kind: 'voms' | 'iam' | 'hr' | 'dirac'; file: string }[] = [
  { kind: 'voms', file: 'voms-users.json' },
  { kind: 'iam', file: 'iam-users.json' },
  { kind: 'iam', file: 'iam-groups.json' },
  { kind: 'hr', file: 'hr-vopersons.json' },
  { kind: 'dirac', file: 'dirac.cfg' },
];

/** src/ and dist/ are both one level below the package root, where assets/ lives. */
export function demoDir(): string {
  return fileURLToPath(new URL('../assets/demo/', import.meta.url));
}

export interface DemoDatabase {
  file: string;
  vo: string;
  /** Sources left out, in words. */
  notes: string[];
  cleanup(): Promise<void>;
}

export async function createDemoDatabase(assets = demoDir()): Promise<DemoDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'idsync-demo-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, 'demo.sqlite');
    const notes: string[] = [];
    const store = await openStore(file);
    try {
      for (const { kind, file: name } of DEMO_FILES) {
        try {
          await importFile(store, kind, path.join(assets, name), DEMO_VO);
        } catch (err) {
          // A reader missing from this build (UsageError) or a file it refuses (InputError: a bug
          // in the bundled data or the reader) costs that source, not the whole demo.
          if (!(err instanceof UsageError) && !(err instanceof InputError)) throw err;
          notes.push(`demo: ${name} not loaded (${err.message})`);
        }
      }
    } finally {
      store.close();
    }
    return { file, vo: DEMO_VO, notes, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
