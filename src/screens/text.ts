/**
 * Every string that comes from data (names, DNs, emails, labels) passes through `clean` before it
 * reaches the terminal. A VOMS record may hold anything, and an ANSI escape in a name would be
 * executed by the terminal: clear the screen, retitle the window, hide text. So control characters,
 * C1 controls and the Unicode bidi overrides ("Trojan Source") are shown escaped, never interpreted.
 */

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e', '\\': '\\\\' };

// C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A value from data, made safe to print. null/undefined become `—`; backslashes are doubled only
 * when the text also holds something escaped, so ordinary DNs with `\,` read as they are written.
 */
export function clean(value: unknown): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'string' ? value : String(value);
  if (!/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  return text.replace(UNSAFE, escapeChar);
}

/** Cuts to `width` columns, with `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/** Exactly `width` columns: cut or padded with spaces. */
export function fit(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut.length < width ? cut + ' '.repeat(width - cut.length) : cut;
}

/** Hard-wraps a line to `width` columns (DNs have no spaces to break at), continuation indented. */
export function wrap(text: string, width: number, indent = '  '): string[] {
  if (width <= 0) return [];
  if (text.length <= width) return [text];
  const out = [text.slice(0, width)];
  const rest = width - indent.length;
  if (rest <= 0) return [truncate(text, width)];
  for (let i = width; i < text.length; i += rest) out.push(indent + text.slice(i, i + rest));
  return out;
}

/** `3 h ago`, `2 d ago`: how old a snapshot is, for the header and the overview. */
export function age(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return '?';
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** An instant (epoch ms) as `2024-05-01 12:00` UTC, or `—`. */
export function instant(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** "loading records… 45 % (135 000 of 300 000)". */
export function loadingText({ done, total }: { done: number; total: number }): string {
  const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
  const n = (x: number) => x.toLocaleString('en').replace(/,/g, ' ');
  return `loading records… ${percent} % (${n(done)} of ${n(total)})`;
}
