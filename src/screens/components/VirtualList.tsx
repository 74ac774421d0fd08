/**
 * A windowed list: renders only the rows in view, whatever the length of the list, so 100 000
 * users cost what 20 do. The selected row is marked with `›` as well as shown in inverse, so it
 * stays visible without colour (NO_COLOR drops inverse too).
 */

import { Box, Text } from 'ink';
import { memo } from 'react';
import type { ListPosition } from '../../app/listNav.js';
import { fit, truncate } from '../text.js';

/** A list laid out in columns: their widths, and each row's cells (already sanitised). */
export interface ListColumns {
  /** Width of each column but the last, which takes the rest. One space separates columns. */
  widths: number[];
  cells(index: number): string[];
}

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
  /**
   * Columns instead of padded text: Ink tokenizes every character it draws on every frame, spaces
   * included, while a column's blank part costs it nothing when the layout places the cells. Rows
   * other than the selected one are drawn so (the selected one stays one inverse bar).
   */
  columns?: ListColumns;
}

interface CellRowProps {
  mark: string;
  cells: string[];
  widths: number[];
  width: number;
}

const sameList = <T,>(a: T[], b: T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A row drawn as cells placed by the layout. Compared by content: a row that did not change is not rendered again. */
const CellRow = memo(function CellRow({ mark, cells, widths, width }: CellRowProps) {
  let left = width - 2;
  return (
    <Box>
      <Text>{`${mark} `}</Text>
      {cells.map((cell, c) => {
        const w = c < widths.length ? Math.min(widths[c], left) : left;
        left = Math.max(0, left - w - 1);
        return (
          <Box key={c} width={w} marginRight={c < cells.length - 1 ? 1 : 0} flexShrink={0}>
            <Text>{truncate(cell, w)}</Text>
          </Box>
        );
      })}
    </Box>
  );
}, (a: CellRowProps, b: CellRowProps) => a.mark === b.mark && a.width === b.width && sameList(a.cells, b.cells) && sameList(a.widths, b.widths));

export function VirtualList({ count, pos, height, width, row, empty, marked, columns }: VirtualListProps) {
  if (count === 0) return <Text dimColor>{fit(empty ?? '(nothing to show)', width)}</Text>;
  const end = Math.min(count, pos.top + Math.max(0, height));
  const lines = [];
  for (let i = pos.top; i < end; i++) {
    const selected = i === pos.cursor;
    const mark = selected ? '›' : marked?.(i) ? '*' : ' ';
    if (columns && !selected) {
      lines.push(<CellRow key={i} mark={mark} cells={columns.cells(i)} widths={columns.widths} width={width} />);
      continue;
    }
    lines.push(
      <Text key={i} inverse={selected} bold={selected}>
        {fit(`${mark} ${row(i)}`, width)}
      </Text>,
    );
  }
  return <Box flexDirection="column">{lines}</Box>;
}
