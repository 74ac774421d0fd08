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

/** Padding up to this many columns is cheaper written as spaces than laid out as a box of its own. */
const SMALL_GAP = 3;

/**
 * A row as a few runs of text: cells are joined (padded with spaces) while the padding is small,
 * and a run ends at a cell with a long blank after it, which a box of fixed width then places.
 */
export function rowRuns(mark: string, cells: string[], widths: number[], width: number): { text: string; width: number | null }[] {
  const runs: { text: string; width: number | null }[] = [];
  let text = `${mark} `;
  let runWidth = 2;
  let left = width - 2;
  cells.forEach((cell, c) => {
    const last = c === cells.length - 1;
    const w = c < widths.length && !last ? Math.min(widths[c], left) : left;
    left = Math.max(0, left - w - 1);
    const cut = truncate(cell, w);
    if (last) {
      runs.push({ text: text + cut, width: null });
      return;
    }
    runWidth += w + 1;
    const gap = w - cut.length + 1;
    if (gap <= SMALL_GAP) text += cut + ' '.repeat(gap);
    else {
      runs.push({ text: text + cut, width: runWidth });
      text = '';
      runWidth = 0;
    }
  });
  return runs;
}

/** A row drawn as runs the layout places. Compared by content: a row that did not change is not rendered again. */
const CellRow = memo(function CellRow({ mark, cells, widths, width }: CellRowProps) {
  return (
    <Box>
      {rowRuns(mark, cells, widths, width).map((run, i) =>
        run.width === null ? (
          <Text key={i}>{run.text}</Text>
        ) : (
          <Box key={i} width={run.width} flexShrink={0}>
            <Text>{run.text}</Text>
          </Box>
        ),
      )}
    </Box>
  );
}, (a: CellRowProps, b: CellRowProps) => a.mark === b.mark && a.width === b.width && sameList(a.cells, b.cells) && sameList(a.widths, b.widths));

export function VirtualList({ count, pos, height, width, row, empty, marked, columns }: VirtualListProps) {
  if (count === 0) return <Text dimColor>{fit(empty ?? '(nothing to show)', width)}</Text>;
  const end = Math.min(count, pos.top + Math.max(0, height));
  const lines = [];
  // Rows are keyed by their place on screen, not by item: paging then updates the text of rows
  // that stay mounted instead of unmounting and laying out a screenful of new ones.
  for (let i = pos.top; i < end; i++) {
    const selected = i === pos.cursor;
    const mark = selected ? '›' : marked?.(i) ? '*' : ' ';
    if (columns && !selected) {
      lines.push(<CellRow key={i - pos.top} mark={mark} cells={columns.cells(i)} widths={columns.widths} width={width} />);
      continue;
    }
    lines.push(
      <Text key={i - pos.top} inverse={selected} bold={selected}>
        {fit(`${mark} ${row(i)}`, width)}
      </Text>,
    );
  }
  return <Box flexDirection="column">{lines}</Box>;
}
