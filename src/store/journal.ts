/**
 * The append-only journal beside the database (`<db>-journal.jsonl`): small changes (decisions,
 * apply results, audit entries, settings) are one fsynced line each, so recording the result of
 * one applied change does not rewrite a database of 100 MB. The store replays it on open and
 * folds it into the database file on the next full save, then deletes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../engine/errors.js';
import { syncDir, type WriteFs } from './atomic-write.js';

export interface JournalEntry {
  /** Increases across journals; the database remembers the last one folded in. */
  seq: number;
  op: string;
  [field: string]: unknown;
}

export function journalPath(dbFile: string): string {
  return `${dbFile}-journal.jsonl`;
}

/**
 * The entries of a journal, oldest first. A last line cut short by a crash is dropped: its call
 * never returned, so nobody was told it was saved.
 */
export function readJournal(file: string): JournalEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  const entries: JournalEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      if (i === lines.length - 1) break;
      throw new InputError(file, `line ${i + 1}`, 'not a journal entry (the journal is damaged; move it away to open the database without it)');
    }
    if (typeof entry?.seq !== 'number' || typeof entry.op !== 'string') {
      throw new InputError(file, `line ${i + 1}`, 'journal entry without seq/op');
    }
    entries.push(entry);
  }
  return entries;
}

export class JournalWriter {
  private fd: number | null = null;

  constructor(
    readonly file: string,
    private readonly io: WriteFs = fs,
  ) {}

  get exists(): boolean {
    return this.fd !== null || fs.existsSync(this.file);
  }

  /** Durable when it returns. */
  append(entry: JournalEntry): void {
    if (this.fd === null) {
      const created = !fs.existsSync(this.file);
      this.fd = fs.openSync(this.file, 'a', 0o600);
      if (created) syncDir(path.dirname(this.file));
    }
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    const start = fs.fstatSync(this.fd).size;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += this.io.writeSync(this.fd, bytes, offset, bytes.length - offset, start + offset);
      fs.fsyncSync(this.fd);
    } catch (err) {
      // A full disk may have taken half a line: cut it so the next line starts clean.
      try {
        fs.ftruncateSync(this.fd, start);
      } catch {
        // the torn line is dropped on replay anyway
      }
      throw err;
    }
  }

  /** After the database holds everything: the journal is no longer needed. */
  remove(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
