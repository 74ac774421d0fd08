/** Lines of text scrolled to `top`, at most `height` of them, each cut to the width. */

import { Box, Text } from 'ink';
import { truncate } from '../text.js';

export interface Line {
  text: string;
  bold?: boolean;
  dim?: boolean;
  color?: string;
}

export function TextView({ lines, top, width, height }: { lines: Line[]; top: number; width: number; height: number }) {
  const visible = lines.slice(top, top + Math.max(0, height));
  return (
    <Box flexDirection="column">
      {visible.map((l, i) => (
        <Text key={top + i} bold={l.bold} dimColor={l.dim} color={l.color}>
          {truncate(l.text, width) || ' '}
        </Text>
      ))}
    </Box>
  );
}
