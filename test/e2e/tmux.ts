/**
 * Drives the real CLI in a real terminal: a private tmux server (its own socket, so nothing the
 * user runs is touched), keys sent as a person types them, and the screen read back with
 * capture-pane. Every wait polls the screen until a deadline; nothing relies on a fixed sleep.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;

let sessions = 0;
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface TerminalOptions {
  width?: number;
  height?: number;
  /** Set in the program's environment; null removes the variable. */
  env?: Record<string, string | null>;
}

export class Terminal {
  readonly socket = `idsync-e2e-${process.pid}-${++sessions}`;

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 30_000 });
  }

  /** Runs `node dist/cli.js <args>` in a new terminal; when it ends, `[exit N]` is printed below it. */
  start(args: string[], options: TerminalOptions = {}): this {
    const env = { CI: 'false', TERM: 'xterm-256color', ...options.env };
    const unset = Object.entries(env).filter(([, v]) => v === null).map(([k]) => `-u ${k}`);
    const set = Object.entries(env).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${shellQuote(v as string)}`);
    const program = ['env', ...unset, ...set, shellQuote(process.execPath), shellQuote(CLI), ...args.map(shellQuote)].join(' ');
    // The shell stays after the program ends so that its last screen and exit code can be read.
    const command = `cd ${shellQuote(ROOT)} && ${program}; echo "[exit $?]"; sleep 600`;
    this.tmux('new-session', '-d', '-s', 'e2e', '-x', String(options.width ?? 120), '-y', String(options.height ?? 36), command);
    return this;
  }

  /** The visible screen; with `escapes`, the colour and attribute sequences too. */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'e2e');
  }

  /** tmux key names (`Enter`, `Escape`, `Tab`, `Space`, `j`…), one key each. */
  keys(...names: string[]): void {
    for (const name of names) this.tmux('send-keys', '-t', 'e2e', name);
  }

  /** Text typed literally. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'e2e', '-l', text);
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-t', 'e2e', '-x', String(width), '-y', String(height));
  }

  /** Polls the screen until `test` holds; fails with the last screen when the deadline passes. */
  async waitFor(test: RegExp | string | ((screen: string) => boolean), timeoutMs = 45_000, escapes = false): Promise<string> {
    const ok = typeof test === 'function' ? test : (s: string) => (typeof test === 'string' ? s.includes(test) : test.test(s));
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = this.screen(escapes);
      if (ok(last)) return last;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${String(test)}; the screen shows:\n${last}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
