#!/usr/bin/env node
/**
 * Entry point. Ink's chalk decides on colour when it is first imported and ignores NO_COLOR, so the
 * colour switches are settled here, before anything that loads Ink is imported.
 */
const argv = process.argv.slice(2);
if (argv.includes('--no-color') || (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '')) {
  process.env.FORCE_COLOR = '0';
  process.env.NO_COLOR = process.env.NO_COLOR || '1';
}

// React's development build (the default without NODE_ENV) checks and times every render: the TUI
// pays for it on each key press. A user who sets NODE_ENV keeps theirs.
process.env.NODE_ENV ??= 'production';

// `idsync-tui compare | head` closes stdout early: that is the reader's choice, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);
