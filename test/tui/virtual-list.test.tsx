/**
 * The windowed list drawn as runs of cells must look exactly like the same rows padded as text:
 * the layout only saves Ink from drawing the blanks.
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { VirtualList, rowRuns } from '../../src/screens/components/VirtualList.js';
import { fit } from '../../src/screens/text.js';

afterEach(() => cleanup());

const WIDTHS = [7, 20, 24, 2];
const ROWS: string[][] = [
  ['     12', 'Ada Lindqvist', 'ada@example.org', ' 2', ' VIHD'],
  ['    345', 'A name much longer than its column', 'x@example.org', '10', 'SV---'],
  ['    iam', '', 'exactly-twenty-four-chr@x', ' 0', ' -I--'],
  ['      7', 'Ines Lopez', 'ines@example.org', ' 1', ' VI-D'],
];
const text = (cells: string[]) => `${cells[0]} ${fit(cells[1], WIDTHS[1])} ${fit(cells[2], WIDTHS[2])} ${cells[3]} ${cells[4]}`;

describe('VirtualList columns', () => {
  it('draws the same characters as the padded rows', () => {
    const width = 64;
    const pos = { top: 0, cursor: 1 };
    const asText = render(<VirtualList count={ROWS.length} pos={pos} height={4} width={width} row={(i) => text(ROWS[i])} />);
    const asCells = render(
      <VirtualList count={ROWS.length} pos={pos} height={4} width={width} row={(i) => text(ROWS[i])} columns={{ widths: WIDTHS, cells: (i) => ROWS[i] }} />,
    );
    const lines = (frame: string | undefined) => (frame ?? '').split('\n').map((l) => l.trimEnd());
    expect(lines(asCells.lastFrame())).toEqual(lines(asText.lastFrame()));
    expect(lines(asCells.lastFrame())[1]).toContain('› ');
  });

  it('joins cells across small gaps and lets a box place the rest', () => {
    const runs = rowRuns(' ', ROWS[0], WIDTHS, 64);
    // mark + id + name (long blank after the name), then the email (long blank), then the rest.
    expect(runs.map((r) => r.text)).toEqual(['       12 Ada Lindqvist', 'ada@example.org', ' 2  VIHD']);
    expect(runs.map((r) => r.width)).toEqual([2 + 8 + 21, 25, null]);
  });
});
