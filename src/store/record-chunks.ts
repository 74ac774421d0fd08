/**
 * How snapshot records are stored: RECORDS_PER_CHUNK of them to a row, as one JSON array
 * compressed with raw deflate. One row per record cost a 100 000-user snapshot 100 000 sql.js
 * calls to write and to read, and ~90 MB in a file that every save exports and rewrites whole;
 * this JSON compresses about 8× (see packText) for half the cost of JSON.stringify itself.
 * A chunk of 1 000 is small enough that the first screenful needs one and large enough that
 * the per-row cost of sql.js disappears.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
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
  return zlib.deflateRawSync(text, deflateOptions(text.length));
}

const deflateRaw = promisify(zlib.deflateRaw);

/** A snapshot's records already turned into stored chunks: what `addSnapshot` writes. */
export interface PackedRecords {
  readonly packedRecords: true;
  readonly count: number;
  readonly chunks: readonly Uint8Array[];
}

export function isPackedRecords(value: unknown): value is PackedRecords {
  return typeof value === 'object' && value !== null && (value as PackedRecords).packedRecords === true;
}

export function packRecordsSync(records: readonly unknown[]): PackedRecords {
  const chunks: Uint8Array[] = [];
  for (let first = 0; first < records.length; first += RECORDS_PER_CHUNK) chunks.push(packText(JSON.stringify(records.slice(first, first + RECORDS_PER_CHUNK))));
  return { packedRecords: true, count: records.length, chunks };
}

/** Chunks compressing at once in the thread pool: enough to keep a second core busy, few enough to bound memory. */
const IN_FLIGHT = 8;

/**
 * The same chunks as `packRecordsSync`, but each is compressed in libuv's thread pool while this
 * thread turns the next ones into JSON: on two cores, saving 100 000 VOMS users costs the JSON
 * text and not also its compression (which is about half as much again).
 */
export async function packRecords(records: readonly unknown[], options: { sha256?: boolean } = {}): Promise<PackedRecords & { sha256?: string }> {
  // The hash of JSON.stringify(records), from the chunks' texts: '[' + their insides joined by ',' + ']'.
  const hash = options.sha256 ? createHash('sha256').update('[') : null;
  const chunks: Promise<Buffer>[] = [];
  for (let first = 0, n = 0; first < records.length; first += RECORDS_PER_CHUNK, n++) {
    if (n >= IN_FLIGHT) await chunks[n - IN_FLIGHT];
    const text = JSON.stringify(records.slice(first, first + RECORDS_PER_CHUNK));
    const packing = deflateRaw(text, deflateOptions(text.length));
    // Its failure is reported by Promise.all below; marked handled so that it cannot end the process first.
    packing.catch(() => undefined);
    chunks.push(packing);
    hash?.update(n > 0 ? ',' : '').update(text.slice(1, -1));
  }
  const packed = { packedRecords: true as const, count: records.length, chunks: await Promise.all(chunks) };
  return hash ? { ...packed, sha256: hash.update(']').digest('hex') } : packed;
}

function deflateOptions(length: number): zlib.ZlibOptions {
  return { level: 1, strategy: zlib.constants.Z_FIXED, chunkSize: Math.max(MIN_BUFFER, length >> 2) };
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
