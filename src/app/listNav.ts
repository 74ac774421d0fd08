/**
 * Cursor and scroll position of a windowed list. Pure, so every list screen moves the same way and
 * the arithmetic is tested once: the cursor stays inside the list, the window scrolls only as much
 * as needed to keep the cursor visible (as lazygit does), and a list that shrinks under a filter
 * pulls both back in.
 */

export interface ListPosition {
  cursor: number;
  top: number;
}

export const START: ListPosition = { cursor: 0, top: 0 };

/** Keeps a position valid for `count` rows shown `height` at a time. */
export function clampPosition(pos: ListPosition, count: number, height: number): ListPosition {
  const h = Math.max(1, height);
  if (count <= 0) return START;
  const cursor = Math.min(Math.max(0, pos.cursor), count - 1);
  let top = Math.min(Math.max(0, pos.top), Math.max(0, count - h));
  if (cursor < top) top = cursor;
  if (cursor >= top + h) top = cursor - h + 1;
  return cursor === pos.cursor && top === pos.top ? pos : { cursor, top };
}

/** The new position after a navigation action, or null when the action is not a move. */
export function moveList(pos: ListPosition, action: string, count: number, height: number): ListPosition | null {
  const h = Math.max(1, height);
  let cursor: number;
  switch (action) {
    case 'down': cursor = pos.cursor + 1; break;
    case 'up': cursor = pos.cursor - 1; break;
    case 'top': cursor = 0; break;
    case 'bottom': cursor = count - 1; break;
    case 'pageDown': cursor = pos.cursor + h; break;
    case 'pageUp': cursor = pos.cursor - h; break;
    default: return null;
  }
  const top = action === 'pageDown' ? pos.top + h : action === 'pageUp' ? pos.top - h : pos.top;
  return clampPosition({ cursor, top }, count, h);
}

/** Scrolling a text with no cursor (help, overview, detail): the new first line, or null. */
export function scrollText(top: number, action: string, count: number, height: number): number | null {
  const h = Math.max(1, height);
  const last = Math.max(0, count - h);
  const step: Record<string, number> = { down: 1, up: -1, pageDown: h, pageUp: -h, top: -Infinity, bottom: Infinity };
  const d = step[action];
  if (d === undefined) return null;
  return Math.min(last, Math.max(0, top + d));
}
