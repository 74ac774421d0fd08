/**
 * A windowed list: renders only the rows in view, whatever the length of the list, so 100 000
 * users cost what 20 do. The selected row is marked with `›` as well as shown in inverse, so it
 * stays visible without colour (NO_COLOR drops inverse too).
 */

import { Box, Text } from 'ink';
import type { ListPosition } from '../../app/listNav.js';
import { fit } from '../text.js';

export interface VirtualListProps {
  count: number;
  pos: ListPosition;
  height: number;
  width: number;
  /** The text of one row (already sanitised), without the selection marker. */
  row(index: number): string;
  /** Shown when the list is empty. */
  empty?: string;
  /** Rows to mark (e.g. selected with space), by index. */
  marked?(index: number): boolean;
}

export function VirtualList({ count, pos, height, width, row, empty, marked }: VirtualListProps) {
  if (count === 0) return <Text dimColor>{fit(empty ?? '(nothing to show)', width)}</Text>;
  const end = Math.min(count, pos.top + Math.max(0, height));
  const lines = [];
  for (let i = pos.top; i < end; i++) {
    const selected = i === pos.cursor;
    const mark = selected ? '›' : marked?.(i) ? '*' : ' ';
    lines.push(
      <Text key={i} inverse={selected} bold={selected}>
        {fit(`${mark} ${row(i)}`, width)}
      </Text>,
    );
  }
  return <Box flexDirection="column">{lines}</Box>;
}
