/**
 * One writer per database. proper-lockfile makes `<db>.lock` (a folder, created atomically) and
 * keeps its mtime fresh; we add `owner.json` inside so a second process can say who holds it.
 * A lock left by a process that died on this host is taken over at once; one from elsewhere
 * (a shared home directory) only when proper-lockfile finds it stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { OperationError } from '../engine/errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export interface HeldLock {
  readonly owner: LockOwner;
  /** Throws when another process took the lock from us (we stalled past the stale time). */
  check(): void;
  release(): void;
}

/**
 * How long a lock may go without its mtime being refreshed before it counts as abandoned. On this
 * host a dead holder is detected by its PID at once, so the mtime only matters for a holder on
 * another machine; it is long because planning a very large VO can keep the event loop (and so the
 * refresh timer) busy for many seconds, and a short value made a busy process lose its own lock.
 */
const STALE_MS = 10 * 60_000;

export function lockDir(dbFile: string): string {
  return `${path.resolve(dbFile)}.lock`;
}

function ownerFile(dbFile: string): string {
  return path.join(lockDir(dbFile), 'owner.json');
}

export function readLockOwner(dbFile: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(ownerFile(dbFile), 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : null;
  } catch {
    return null;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeLockDir(dbFile: string): void {
  fs.rmSync(lockDir(dbFile), { recursive: true, force: true });
}

function inUse(dbFile: string, owner: LockOwner | null): OperationError {
  if (!owner) return new OperationError(`${dbFile} is in use by another process (lock ${lockDir(dbFile)})`);
  const where = owner.host === os.hostname() ? '' : ` on ${owner.host}`;
  return new OperationError(`${dbFile} is in use by PID ${owner.pid}${where} (since ${owner.since})`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireLock(dbFile: string): Promise<HeldLock> {
  const file = path.resolve(dbFile);
  let compromised: Error | null = null;
  const options = {
    realpath: false,
    stale: STALE_MS,
    retries: 0,
    onCompromised: (err: Error) => {
      compromised = err;
    },
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await lockfile.lock(file, options);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' && attempt < 3) {
        // proper-lockfile found it stale but cannot rmdir a folder holding owner.json.
        removeLockDir(file);
        continue;
      }
      if (code !== 'ELOCKED') {
        throw new OperationError(`cannot lock ${dbFile}: ${(err as Error).message}`, { cause: err });
      }
      const owner = readLockOwner(file);
      if (owner && owner.host === os.hostname() && !processIsAlive(owner.pid) && attempt < 3) {
        removeLockDir(file);
        continue;
      }
      // The holder may be between mkdir and writing owner.json: give it a moment.
      if (!owner && attempt < 5) {
        await sleep(50);
        continue;
      }
      throw inUse(dbFile, owner);
    }
  }

  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  fs.writeFileSync(ownerFile(file), `${JSON.stringify(owner)}\n`, { mode: 0o600 });

  // proper-lockfile's own exit hook cannot rmdir a folder that still holds owner.json.
  const onExit = () => removeLockDir(file);
  process.on('exit', onExit);
  let released = false;

  return {
    owner,
    check() {
      if (!compromised) return;
      // proper-lockfile gives up when its refresh ran late; the lock is still ours if nobody took it.
      const holder = readLockOwner(file);
      if (holder && holder.pid === owner.pid && holder.host === owner.host && holder.since === owner.since) return;
      throw new OperationError(`lost the lock on ${dbFile}: ${(compromised as Error).message}`);
    },
    release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const holder = readLockOwner(file);
      const stillOurs = holder !== null && holder.pid === owner.pid && holder.since === owner.since;
      fs.rmSync(ownerFile(file), { force: true });
      try {
        if (!compromised) lockfile.unlockSync(file, { realpath: false });
        else if (stillOurs) removeLockDir(file);
      } catch {
        removeLockDir(file);
      }
    },
  };
}
