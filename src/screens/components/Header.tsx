/**
 * The top of every screen: the VO, each source with its snapshot time and age, the DRY-RUN badge,
 * the `--insecure` warning, and the screens as tabs. Exactly `HEADER_ROWS` lines.
 */

import { Box, Text } from 'ink';
import type { AppData } from '../../app/data.js';
import { SOURCE_KINDS } from '../../engine/model.js';
import { age, clean, truncate } from '../text.js';

export const HEADER_ROWS = 3;

export interface HeaderProps {
  data: AppData | null;
  width: number;
  insecure: boolean;
  dryRun: boolean;
  screens: { id: string; title: string }[];
  current: string;
  now: number;
}

/** Each source with its snapshot time; ages only when the times do not fit. */
export function sourcesLine(data: AppData | null, now: number, width: number): string {
  if (!data) return 'loading…';
  const line = (when: (createdAt: string) => string) =>
    SOURCE_KINDS.map((kind) => {
      const snap = data.snapshots[kind];
      return snap ? `${kind} ${when(snap.createdAt)}` : `${kind} —`;
    }).join(' · ');
  const times = line((t) => t.slice(5, 16).replace('T', ' '));
  if (times.length <= width) return times;
  const ages = line((t) => age(t, now));
  return ages.length <= width ? ages : line((t) => age(t, now).replace(' ago', ''));
}

/**
 * The screens as tabs. When they do not all fit (ten screens on 80 columns), a window of them
 * around the current one, `…` where some are left out: the current tab is never cut off.
 */
export function tabsLine(screens: readonly { id: string; title: string }[], current: string, width: number): string {
  const parts = screens.map((s) => (s.id === current ? `[${s.title}]` : ` ${s.title} `));
  const line = (a: number, b: number) => `${a > 0 ? '…' : ''}${parts.slice(a, b + 1).join(' ')}${b < parts.length - 1 ? ' …' : ''}`;
  const all = line(0, parts.length - 1);
  if (all.length <= width) return all;
  let a = Math.max(0, screens.findIndex((s) => s.id === current));
  let b = a;
  // Grow the window one tab at a time, the next screens first (where tab goes), then the previous.
  for (;;) {
    if (b < parts.length - 1 && line(a, b + 1).length <= width) b++;
    else if (a > 0 && line(a - 1, b).length <= width) a--;
    else break;
  }
  return truncate(line(a, b), width);
}

export function Header({ data, width, insecure, dryRun, screens, current, now }: HeaderProps) {
  const vo = data ? clean(data.vo ?? '(no VO)') : '…';
  const title = `idsync-tui  VO ${vo}`;
  const tabs = tabsLine(screens, current, width);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold>{truncate(title, width)}</Text>
        {dryRun ? <Text color="green" bold>{'  DRY-RUN'}</Text> : null}
        {insecure ? <Text color="red" bold>{'  ⚠ --insecure: TLS verification is OFF'}</Text> : null}
      </Text>
      <Text dimColor wrap="truncate">{truncate(sourcesLine(data, now, width), width)}</Text>
      <Text wrap="truncate">{truncate(tabs, width)}</Text>
    </Box>
  );
}
