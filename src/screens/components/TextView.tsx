/**
 * Lines of text scrolled to `top`, at most `height` of them, each cut to the width. When more
 * follows than fits, the last row says how much, so what is below the fold (the Overview's
 * problems on an 80×24 terminal, the rest of a detail) is not mistaken for the end.
 */

import { Box, Text } from 'ink';
import { truncate } from '../text.js';

export interface Line {
  text: string;
  bold?: boolean;
  dim?: boolean;
  color?: string;
}

export function TextView({ lines, top, width, height }: { lines: Line[]; top: number; width: number; height: number }) {
  const h = Math.max(0, height);
  const below = lines.length - top - h;
  const visible = lines.slice(top, top + (below > 0 && h > 1 ? h - 1 : h));
  // Keyed by place on screen: scrolling updates the rows in view rather than mounting new ones.
  return (
    <Box flexDirection="column">
      {visible.map((l, i) => (
        <Text key={i} bold={l.bold} dimColor={l.dim} color={l.color}>
          {truncate(l.text, width) || ' '}
        </Text>
      ))}
      {below > 0 && h > 1 ? <Text dimColor>{truncate(`↓ ${below + 1} more lines (j, PgDn)`, width)}</Text> : null}
    </Box>
  );
}
