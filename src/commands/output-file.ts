/**
 * Files a command writes besides the database (`plan dirac --cfg-out`). Checked before anything is
 * stored, so that a command that cannot write its output fails without leaving a plan behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OperationError } from '../engine/errors.js';
import { atomicWriteFile } from '../store/atomic-write.js';

/** Refuses an output path whose folder is missing or not writable, or that names a folder. */
export function checkOutputFile(option: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  const dirInfo = fs.statSync(dir, { throwIfNoEntry: false });
  if (!dirInfo) throw new OperationError(`${option} ${file}: the folder ${dir} does not exist`);
  if (!dirInfo.isDirectory()) throw new OperationError(`${option} ${file}: ${dir} is not a folder`);
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new OperationError(`${option} ${file}: is a folder; give a file name`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new OperationError(`${option} ${file}: no permission to write in ${dir}`);
  }
}

/** Writes the file atomically; a failure names the option and the file, not a temporary name. */
export function writeOutputFile(option: string, file: string, text: string): void {
  try {
    atomicWriteFile(file, Buffer.from(text, 'utf8'), 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OperationError(`${option} ${file}: could not write it${code ? ` (${code})` : ''}`, { cause: err });
  }
}
