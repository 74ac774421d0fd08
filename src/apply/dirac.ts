/**
 * Applies a DIRAC plan to the Registry CFG file it was planned from: every change patched in plan
 * order (patchRegistry checks each against the file and calls it stale when the file moved on),
 * the old file kept as `FILE.<timestamp>.bak`, the new one written atomically, then the outcomes
 * recorded. A run killed between writing the file and recording finds, on the next run, the file
 * it wrote (a note in the database names its checksum) and records the outcomes without patching
 * twice.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { patchRegistry } from '../engine/dirac/patch.js';
import { show } from '../engine/apply/index.js';
import { OperationError } from '../engine/errors.js';
import type { ResultStatus } from '../engine/model.js';
import { atomicWriteFile } from '../store/atomic-write.js';
import type { Store, StoredChange } from '../store/types.js';
import type { TargetWriter } from './types.js';

interface PendingWrite {
  before: string;
  after: string;
  outcomes: [number, ResultStatus, string | null][];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `20240131T142501Z`: sortable, no characters a shell or a file system minds. */
export function backupStamp(at = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The edit a change makes to the file, for dry runs. */
export function describeDiracChange(c: StoredChange, file: string): string[] {
  const what = [c.kind, c.ref.user, c.ref.group, c.field].filter((x) => x !== null && x !== undefined && x !== '').join(' ');
  const values = c.op === 'update' ? `${show(c.old)} → ${show(c.new)}` : show(c.op === 'delete' ? c.old : c.new);
  return [`${c.op} ${what}: ${values}  (in ${file})`];
}

/** Copies the file to `FILE.<timestamp>.bak` (`-1`, `-2`… when two runs share a second); never overwrites a backup. */
export function backupOf(file: string, at = new Date()): string {
  for (let n = 0; ; n++) {
    const backup = `${file}.${backupStamp(at)}${n ? `-${n}` : ''}.bak`;
    try {
      fs.copyFileSync(file, backup, fs.constants.COPYFILE_EXCL);
      return backup;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export function createDiracTarget(file: string, store: Store, planId: number): TargetWriter {
  const pending: StoredChange[] = [];
  const noteKey = `apply.dirac.${planId}`;

  const read = (): string => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new OperationError(`cannot read the DIRAC configuration ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };

  return {
    target: 'dirac',
    destination: file,

    describe: (c) => describeDiracChange(c, file),

    batchKey: () => 'cfg',

    async apply(batch) {
      pending.push(...batch);
    },

    async finish(record) {
      if (!pending.length) return;
      const text = read();
      const byId = new Map(pending.map((c) => [c.id, c]));
      const note = store.getMeta(noteKey);
      const earlier = note ? (JSON.parse(note) as PendingWrite) : null;
      if (earlier && earlier.after === sha256(text) && earlier.before !== earlier.after) {
        for (const [id, result, message] of earlier.outcomes) {
          const change = byId.get(id);
          if (change) record(change, { result, message });
        }
        store.setMeta(noteKey, '');
        return;
      }
      const ordered = [...pending].sort((a, b) => a.id - b.id);
      const patched = patchRegistry(text, file, ordered);
      const outcomes = ordered.map((c, i): [number, ResultStatus, string | null] => [c.id, patched.outcomes[i].status, patched.outcomes[i].message]);
      if (patched.text !== text) {
        store.setMeta(noteKey, JSON.stringify({ before: sha256(text), after: sha256(patched.text), outcomes } satisfies PendingWrite));
        const mode = fs.statSync(file).mode & 0o777;
        backupOf(file);
        atomicWriteFile(file, Buffer.from(patched.text, 'utf8'), mode);
      }
      for (const [id, result, message] of outcomes) record(byId.get(id)!, { result, message });
      store.setMeta(noteKey, '');
    },
  };
}
