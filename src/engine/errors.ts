/**
 * Errors a user can act on. The CLI prints `idsync-tui: ` + message on one line and exits 1
 * (or 2 for usage); anything else is a bug and is reported the same way without a stack trace
 * unless IDSYNC_DEBUG is set.
 */

/** Bad input: names the file, the JSON path or line, and what is wrong there. */
export class InputError extends Error {
  readonly file: string;
  readonly where: string | null;
  constructor(file: string, where: string | null, problem: string) {
    super(where ? `${file}: ${where}: ${problem}` : `${file}: ${problem}`);
    this.name = 'InputError';
    this.file = file;
    this.where = where;
  }
}

/** Wrong usage of the command line (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user must know about that is not bad input: network, refused change, lock held. */
export class OperationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationError';
  }
}

/** Formats a JSON path like `result[41].certificates[0].subjectString`. */
export function formatJsonPath(path: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'symbol') out += `[${String(part)}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(top level)';
}
