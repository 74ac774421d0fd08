/**
 * Atomic file replacement: temporary file beside the target, every byte written, fsync, rename,
 * fsync of the folder. Our own rather than write-file-atomic because that one ignores short
 * writes, and on a full disk write(2) is short before it fails: it would rename a truncated
 * database over the good one.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The system calls used, so a test can make one of them fail as a full disk would. */
export interface WriteFs {
  writeSync(fd: number, data: Uint8Array, offset: number, length: number, position: number): number;
}

let counter = 0;

export function atomicWriteFile(file: string, data: Uint8Array, mode = 0o600, io: WriteFs = fs): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
  let done = false;
  try {
    let offset = 0;
    while (offset < data.length) {
      const n = io.writeSync(fd, data, offset, data.length - offset, offset);
      if (n <= 0) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${tmp}'`), { code: 'ENOSPC' });
      offset += n;
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
    done = true;
  } finally {
    if (!done) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(tmp, { force: true });
    }
  }
  syncDir(dir);
}

/** Makes a rename or a new file in `dir` survive a power cut. */
export function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
