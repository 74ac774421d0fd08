/** Who is doing something, for the audit log: `$USER@hostname`, as an admin would write it. */
import os from 'node:os';

export function currentActor(): string {
  let user = process.env.USER || process.env.LOGNAME || process.env.USERNAME || '';
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}
