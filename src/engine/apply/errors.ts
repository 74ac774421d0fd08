/**
 * A refused write → the error codes of DESIGN.md §2.9 (Grouper's): `DNE` the object does not
 * exist, `LEN` a value is too long, `REQ` a required value is missing, `INV` the server calls the
 * data invalid (or it conflicts with another object), `ERR` anything else (server or network).
 */
import type { ResultStatus } from '../model.js';

export function errorCode(status: number | null, message: string): Exclude<ResultStatus, 'ok' | 'stale'> {
  if (status === 404 || status === 410) return 'DNE';
  if (status === 400 || status === 409 || status === 422) {
    if (/too long|length|at most \d+ char|size must be|exceeds|maximum/i.test(message)) return 'LEN';
    if (/required|must not be (null|empty|blank)|missing|cannot be (null|empty|blank)|is mandatory/i.test(message)) return 'REQ';
    return 'INV';
  }
  if (status === null && /does not exist|not found|no such/i.test(message)) return 'DNE';
  return 'ERR';
}
