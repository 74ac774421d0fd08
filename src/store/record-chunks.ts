/**
 * How snapshot records are stored: RECORDS_PER_CHUNK of them to a row, as one JSON array
 * compressed with raw deflate. One row per record cost a 100 000-user snapshot 100 000 sql.js
 * calls to write and to read, and ~90 MB in a file that every save exports and rewrites whole;
 * this JSON compresses about 8× (see packText) for half the cost of JSON.stringify itself.
 * A chunk of 1 000 is small enough that the first screenful needs one and large enough that
 * the per-row cost of sql.js disappears.
 */
import zlib from 'node:zlib';

export const RECORDS_PER_CHUNK = 1000;

const MIN_BUFFER = 1 << 14;

/** Below this (in characters) a snapshot's `extra` is kept as plain JSON text: small and readable in sqlite3. */
export const PACK_EXTRA_ABOVE = 4096;

/**
 * Level 1 with the fixed Huffman code: 40 % less CPU than level 1's own tables, for a file 15 %
 * larger (8× instead of 9×). The output buffer is sized once from the input (zlib's default of
 * 16 kB pieces, joined afterwards, cost inflating as much again as the inflating itself).
 */
export function packText(text: string | Uint8Array): Uint8Array {
  return zlib.deflateRawSync(text, { level: 1, strategy: zlib.constants.Z_FIXED, chunkSize: Math.max(MIN_BUFFER, text.length >> 2) });
}

export function unpackText(data: Uint8Array): string {
  return zlib.inflateRawSync(data, { chunkSize: Math.max(MIN_BUFFER, data.length * 16) }).toString('utf8');
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
