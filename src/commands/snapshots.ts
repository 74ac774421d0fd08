/** `snapshots [--source S]`: the stored snapshots, oldest first. */
import type { Command } from 'commander';
import { UsageError } from '../engine/errors.js';
import { SOURCE_KINDS, type SourceKind } from '../engine/model.js';
import type { SnapshotInfo } from '../store/types.js';
import { action, globalOptions, printJson, printLine } from './context.js';
import { withStore } from './inputs.js';

export function register(program: Command): void {
  program
    .command('snapshots')
    .description('list stored snapshots')
    .option('--source <source>', `only this source: ${SOURCE_KINDS.join(', ')} (iam: both IAM kinds)`)
    .addHelpText('after', '\nExample: idsync-tui snapshots --source voms --json')
    .action(
      action(async function (this: Command, opts: { source?: string }) {
        const kinds = sourceKinds(opts.source);
        const global = globalOptions(this);
        const snapshots = await withStore(
          global,
          (store) => (kinds ? kinds.flatMap((k) => store.listSnapshots(k)) : store.listSnapshots()).sort((a, b) => a.id - b.id),
          { readOnly: true },
        );
        if (global.json) printJson({ snapshots });
        else for (const line of formatSnapshots(snapshots)) printLine(line);
      }),
    );
}

function sourceKinds(source: string | undefined): SourceKind[] | null {
  if (source === undefined) return null;
  if (source === 'iam') return ['iam-users', 'iam-groups'];
  if ((SOURCE_KINDS as readonly string[]).includes(source)) return [source as SourceKind];
  throw new UsageError(`--source takes one of ${SOURCE_KINDS.join(', ')}, iam; not ${JSON.stringify(source)}`);
}

export function formatSnapshots(snapshots: SnapshotInfo[]): string[] {
  if (snapshots.length === 0) return ['no snapshots yet: run `idsync-tui import voms FILE`'];
  const header = ['ID', 'SOURCE', 'VO', 'RECORDS', 'CREATED', 'SHA256', 'ORIGIN'];
  const rows = snapshots.map((s) => [String(s.id), s.source, s.vo ?? '-', String(s.recordCount), s.createdAt.replace(/\.\d+Z$/, 'Z'), s.sha256.slice(0, 12), s.origin]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([0, 3]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ');
  return [line(header), ...rows.map(line)];
}
