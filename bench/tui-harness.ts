/**
 * The real App under a fake terminal: Ink renders to a stdout that records when each write happens,
 * and reads keys from a stdin that looks like a TTY in raw mode. Rendering is Ink's normal one (not
 * debug mode), so its frame throttle and incremental output are part of what is measured.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

const BEGIN_SYNC = '\u001b[?2026h';
const END_SYNC = '\u001b[?2026l';

/**
 * A terminal's stdout. Ink brackets each frame in synchronized-update marks (BSU … ESU) on a TTY;
 * a `frame` event fires at the end mark with the frame's text, so a frame counts as drawn once
 * all of it has been written.
 */
export class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  columns: number;
  rows: number;
  /** performance.now() of the last write. */
  lastWriteAt = 0;
  frames = 0;
  private pending = '';
  private inFrame = false;

  constructor(columns: number, rows: number) {
    super();
    this.columns = columns;
    this.rows = rows;
  }

  write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.lastWriteAt = performance.now();
    if (text === BEGIN_SYNC) this.inFrame = true;
    else if (text === END_SYNC) {
      this.inFrame = false;
      this.frames++;
      const frame = this.pending;
      this.pending = '';
      this.emit('frame', this.lastWriteAt, frame);
    } else if (this.inFrame) this.pending += text;
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
}

export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private queue: string[] = [];

  /** Hands `data` to Ink as one read, as a terminal does for one key press. */
  press(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }

  read = (): string | null => this.queue.shift() ?? null;
  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** Resolves with the time the next frame was written to `stdout`, or null after `timeoutMs`. */
export function nextWrite(stdout: FakeStdout, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stdout.off('frame', onFrame);
      resolve(null);
    }, timeoutMs);
    const onFrame = (at: number) => {
      clearTimeout(timer);
      stdout.off('frame', onFrame);
      resolve(at);
    };
    stdout.on('frame', onFrame);
  });
}

/** Waits until nothing has been written for `quietMs` (a throttled trailing frame has landed). */
export async function settle(stdout: FakeStdout, quietMs: number, maxMs = 10_000): Promise<void> {
  const start = performance.now();
  for (;;) {
    const idle = performance.now() - stdout.lastWriteAt;
    if (idle >= quietMs || performance.now() - start > maxMs) return;
    await new Promise((r) => setTimeout(r, quietMs - idle + 1));
  }
}

/** Key bytes as a terminal sends them. */
export const KEYS = {
  down: 'j',
  up: 'k',
  pageDown: '\u001b[6~',
  pageUp: '\u001b[5~',
  bottom: 'G',
  top: 'g',
  enter: '\r',
  esc: '\u001b',
  tab: '\t',
  backspace: '\u007f',
  filter: '/',
} as const;
