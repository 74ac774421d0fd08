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

export function Header({ data, width, insecure, dryRun, screens, current, now }: HeaderProps) {
  const vo = data ? clean(data.vo ?? '(no VO)') : '…';
  const title = `idsync-tui  VO ${vo}`;
  const tabs = screens.map((s) => (s.id === current ? `[${s.title}]` : ` ${s.title} `)).join(' ');
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
