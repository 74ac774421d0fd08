/**
 * The voms-importer's email override file (`--email-mapfile`): one `vomsid;email` per line, no
 * header. Blank lines and `#` comments are allowed. The overridden users get the label
 * `hr.cern/skip-email-synch` when imported (DESIGN.md §2.4).
 */
import { InputError } from '../errors.js';

const EMAIL = /^[^\s@;]+@[^\s@;]+$/;

export function parseEmailMap(text: string, file: string): Map<number, string> {
  const map = new Map<number, string>();
  const lineOf = new Map<number, number>();
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${lineNo}`;
    const parts = line.split(';');
    if (parts.length !== 2) throw new InputError(file, where, `expected "vomsid;email", got ${JSON.stringify(clip(line))}`);
    const [idText, emailText] = parts.map((p) => p.trim());
    if (!/^\d+$/.test(idText)) throw new InputError(file, where, `the VOMS id must be a number, got ${JSON.stringify(clip(idText))}`);
    if (!EMAIL.test(emailText)) throw new InputError(file, where, `not an email address: ${JSON.stringify(clip(emailText))}`);
    const id = Number(idText);
    if (!Number.isSafeInteger(id)) throw new InputError(file, where, `the VOMS id ${clip(idText)} is too large`);
    const previous = lineOf.get(id);
    if (previous !== undefined && map.get(id) !== emailText) {
      throw new InputError(file, where, `VOMS id ${id} is already mapped to ${map.get(id)} on line ${previous}`);
    }
    map.set(id, emailText);
    lineOf.set(id, lineNo);
  });
  return map;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
