/** Where the database and the settings live by default. */
import envPaths from 'env-paths';
import path from 'node:path';

const paths = envPaths('idsync-tui', { suffix: '' });

export function defaultDbPath(): string {
  return path.join(paths.data, 'idsync.sqlite');
}

/** The folder of the settings file; IDSYNC_CONFIG_DIR moves it (tests, several profiles). */
export function configDir(): string {
  return process.env.IDSYNC_CONFIG_DIR || paths.config;
}
