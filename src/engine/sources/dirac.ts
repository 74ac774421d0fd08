/**
 * A DIRAC configuration file as a source: the Registry users (with their groups) as records, and
 * the CFG text itself in `extra`, because the planner patches that very text.
 */
import type { ParsedSource } from '../model.js';
import { parseCfg } from '../dirac/cfg.js';
import { type DiracUser, readRegistry } from '../dirac/registry.js';

export interface DiracExtra {
  cfgText: string;
}

export function parse(text: string, file: string): ParsedSource<DiracUser> {
  const registry = readRegistry(parseCfg(text, file));
  const extra: DiracExtra = { cfgText: text };
  return { kind: 'dirac', records: registry.users, extra, vo: registry.vos.length === 1 ? registry.vos[0].name : null };
}
