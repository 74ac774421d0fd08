/**
 * Progress of a long read on stderr: a bar with counts when stderr is a terminal, nothing when it
 * is not (cron mails and pipes get only the notes: retries and warnings, one line each). Stdout
 * is never touched, so `--json` output stays clean.
 */
import type { FetchProgress, RetryInfo } from '../clients/http.js';

export interface Progress {
  update(progress: FetchProgress): void;
  /** A line that stays (retry, warning); the bar is redrawn below it. */
  note(message: string): void;
  /** For HttpClientOptions.onRetry. */
  retry(info: RetryInfo): void;
  /** Clears the bar. */
  done(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Defaults to whether the stream is a terminal. */
  bar?: boolean;
  /** Minimum time between redraws, ms. */
  intervalMs?: number;
}

const WIDTH = 28;

export function renderBar(progress: FetchProgress, columns = 80): string {
  const { phase, done, total } = progress;
  if (total === null || total === 0) return `${phase}: ${done}${total === 0 ? ' (none)' : ' …'}`;
  const ratio = Math.min(1, done / total);
  const width = Math.max(10, Math.min(WIDTH, columns - phase.length - 30));
  const filled = Math.round(ratio * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return `${phase} ${bar} ${done}/${total} ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const bar = options.bar ?? stream.isTTY === true;
  const intervalMs = options.intervalMs ?? 80;
  let last: FetchProgress | null = null;
  let drawnAt = 0;
  let shown = false;

  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  const draw = () => {
    if (!bar || !last) return;
    stream.write(`\r\x1b[2K${renderBar(last, stream.columns ?? 80)}`);
    shown = true;
    drawnAt = Date.now();
  };

  const note = (message: string) => {
    clear();
    stream.write(`${message}\n`);
    draw();
  };

  return {
    update(progress) {
      const phaseChanged = last?.phase !== progress.phase;
      last = progress;
      const finished = progress.total !== null && progress.done >= progress.total;
      if (phaseChanged || finished || Date.now() - drawnAt >= intervalMs) draw();
    },
    note,
    retry(info) {
      note(`${info.reason}; retrying in ${(info.delayMs / 1000).toFixed(1)} s (attempt ${info.attempt + 1})`);
    },
    done() {
      clear();
      last = null;
    },
  };
}
