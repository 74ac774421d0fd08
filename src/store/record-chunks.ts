/**
 * How snapshot records are stored: RECORDS_PER_CHUNK of them to a row, as one JSON array
 * compressed with raw deflate. One row per record cost a 100 000-user snapshot 100 000 sql.js
 * calls to write and to read, and ~90 MB in a file that every save exports and rewrites whole;
 * this JSON compresses about 9× at level 1, whose cost is half that of JSON.stringify itself.
 * A chunk of 1 000 is small enough that the first screenful needs one and large enough that
 * the per-row cost of sql.js disappears.
 */
import zlib from 'node:zlib';

export const RECORDS_PER_CHUNK = 1000;

/** Below this (in characters) a snapshot's `extra` is kept as plain JSON text: small and readable in sqlite3. */
export const PACK_EXTRA_ABOVE = 4096;

const DEFLATE = { level: 1 } as const;

export function packText(text: string | Uint8Array): Uint8Array {
  return zlib.deflateRawSync(text, DEFLATE);
}

export function unpackText(data: Uint8Array): string {
  return zlib.inflateRawSync(data).toString('utf8');
}

/** An `extra` column value: packed when large, plain text otherwise. */
export function packExtra(text: string | null): string | Uint8Array | null {
  return text !== null && text.length > PACK_EXTRA_ABOVE ? packText(text) : text;
}

/** The JSON text of an `extra` column value, whichever way it was stored. */
export function extraText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? unpackText(value) : String(value);
}
