/**
 * DIRAC CFG files (the Configuration Service syntax): nested `name { … }` sections, `key = value`
 * options, `key += value` appends, whole-line `#` comments.
 *
 * The document is a concrete syntax tree: every line keeps its raw text, so writing back an
 * unchanged document gives the same bytes, and an edit rewrites only the lines it is about
 * (comments, blank lines and the order of everything else stay). Removed items are marked, not
 * spliced out, so that editing 100 000 users stays linear.
 */
import { InputError } from '../errors.js';

export interface RawLine {
  type: 'raw';
  /** A blank line or a comment, with its line ending. */
  text: string;
  removed?: boolean;
}

export interface OptionLine {
  type: 'option';
  key: string;
  /** `+=`: the value is appended to the option with `, `. */
  append: boolean;
  value: string;
  /** Everything before the value (`      DN = `), kept when the value is rewritten. */
  head: string;
  /** Whitespace after the value and the line ending. */
  tail: string;
  line: number;
  removed?: boolean;
}

export interface CfgSection {
  type: 'section';
  name: string;
  /** The raw lines from the name to the opening brace; empty for the document root. */
  header: string;
  /** The raw closing-brace line; empty for the document root. */
  footer: string;
  items: CfgItem[];
  /** Leading whitespace of the name line. */
  indent: string;
  line: number;
  removed?: boolean;
  /** Position in the parent's `items` (items are only ever appended, so it stays right). */
  at: number;
  /** Lookup tables, kept in step with `items`. */
  sections: Map<string, CfgSection>;
  options: Map<string, OptionLine[]>;
}

export type CfgItem = RawLine | OptionLine | CfgSection;

export interface CfgDocument {
  root: CfgSection;
  /** The line ending new lines get: the file's first one. */
  eol: string;
  /** One indentation step, as the file uses it. */
  step: string;
  file: string;
}

function newSection(name: string, header: string, indent: string, line: number): CfgSection {
  return { type: 'section', name, header, footer: '', items: [], indent, line, at: -1, sections: new Map(), options: new Map() };
}

function addOptionLine(section: CfgSection, option: OptionLine): void {
  section.items.push(option);
  const list = section.options.get(option.key);
  if (list) list.push(option);
  else section.options.set(option.key, [option]);
}

interface PendingName {
  name: string;
  line: number;
  raw: string;
  indent: string;
}

/** Splits text into lines that keep their line endings; the last line may have none. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      lines.push(text.slice(start));
      break;
    }
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  return lines;
}

/** The line without its `\n` or `\r\n`. */
function withoutEol(raw: string): string {
  if (raw.charCodeAt(raw.length - 1) !== 10) return raw;
  return raw.slice(0, raw.length - (raw.charCodeAt(raw.length - 2) === 13 ? 2 : 1));
}

function leadingSpace(s: string): string {
  return /^[ \t]*/.exec(s)![0];
}

/** A name from the file in a message: escaped (a control character would break the line) and clipped. */
function quote(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}…` : name);
}

export function parseCfg(text: string, file: string): CfgDocument {
  const root = newSection('', '', '', 0);
  const stack: CfgSection[] = [root];
  let pending: PendingName | null = null;
  const lines = splitLines(text);
  const eol = /\r?\n/.exec(text)?.[0] ?? '\n';
  let step: string | null = null;
  const fail = (line: number, problem: string): never => {
    throw new InputError(file, `line ${line}`, problem);
  };
  const open = (name: string, header: string, indent: string, line: number) => {
    const parent = stack[stack.length - 1];
    const first = parent.sections.get(name);
    if (first) fail(line, `section ${quote(name)} is defined twice in the same section (first at line ${first.line})`);
    if (step === null && stack.length > 1 && indent.length > parent.indent.length) step = indent.slice(parent.indent.length);
    const section = newSection(name, header, indent, line);
    section.at = parent.items.push(section) - 1;
    parent.sections.set(name, section);
    stack.push(section);
  };

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const body = withoutEol(raw);
    const trimmed = body.trim();
    if (pending) {
      if (trimmed === '' || trimmed.startsWith('#')) {
        pending.raw += raw;
        return;
      }
      if (trimmed !== '{') fail(pending.line, `section name ${quote(pending.name)} is not followed by "{"`);
      open(pending.name, pending.raw + raw, pending.indent, pending.line);
      pending = null;
      return;
    }
    const current = stack[stack.length - 1];
    if (trimmed === '' || trimmed.startsWith('#')) {
      current.items.push({ type: 'raw', text: raw });
      return;
    }
    const eq = body.indexOf('=');
    const brace = body.search(/[{}]/);
    if (eq >= 0 && (brace < 0 || brace > eq)) {
      const append = eq > 0 && body[eq - 1] === '+';
      const key = body.slice(0, append ? eq - 1 : eq).trim();
      if (!key) fail(lineNo, 'an option without a name');
      if (stack.length === 1) fail(lineNo, `option ${quote(key)} outside any section`);
      const afterEq = body.slice(eq + 1);
      const value = afterEq.trim();
      const valueStart = eq + 1 + (afterEq.length - afterEq.trimStart().length);
      const head = body.slice(0, valueStart);
      const tail = body.slice(valueStart + value.length) + raw.slice(body.length);
      if (step === null && stack.length > 1) {
        const indent = leadingSpace(body);
        if (indent.length > current.indent.length) step = indent.slice(current.indent.length);
      }
      addOptionLine(current, { type: 'option', key, append, value, head, tail, line: lineNo });
      return;
    }
    if (trimmed === '}') {
      if (stack.length === 1) fail(lineNo, '"}" without a matching "{"');
      current.footer = raw;
      stack.pop();
      return;
    }
    if (trimmed.endsWith('{')) {
      const name = trimmed.slice(0, -1).trim();
      if (!name) fail(lineNo, '"{" without a section name');
      if (/[{}]/.test(name)) fail(lineNo, `unexpected "${name.includes('{') ? '{' : '}'}"`);
      open(name, raw, leadingSpace(body), lineNo);
      return;
    }
    if (brace >= 0) fail(lineNo, `unexpected text around "${body[brace]}": expected "name {", "}" or "key = value" on a line of its own`);
    pending = { name: trimmed, line: lineNo, raw, indent: leadingSpace(body) };
  });
  if (pending) fail((pending as PendingName).line, `section name ${quote((pending as PendingName).name)} is not followed by "{"`);
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    fail(open.line, `section ${quote(open.name)} is never closed (missing "}")`);
  }
  return { root, eol, step: step ?? '  ', file };
}

function writeSection(section: CfgSection, out: string[]): void {
  out.push(section.header);
  for (const item of section.items) {
    if (item.removed) continue;
    if (item.type === 'raw') out.push(item.text);
    else if (item.type === 'option') out.push(item.head, item.value, item.tail);
    else writeSection(item, out);
  }
  out.push(section.footer);
}

export function serializeCfg(doc: CfgDocument): string {
  const out: string[] = [];
  writeSection(doc.root, out);
  return out.join('');
}

// ---------------------------------------------------------------- reading

/** The section at a path (`['Registry', 'Users']`), or null. */
export function getSection(doc: CfgDocument | CfgSection, path: readonly string[]): CfgSection | null {
  let section: CfgSection | undefined = 'root' in doc ? doc.root : doc;
  for (const name of path) {
    section = section.sections.get(name);
    if (!section || section.removed) return null;
  }
  return section;
}

export function childSections(section: CfgSection): CfgSection[] {
  return section.items.filter((i): i is CfgSection => i.type === 'section' && !i.removed);
}

/** An option's value with its `+=` appends folded in, or null when the option is absent. */
export function getOption(section: CfgSection, key: string): string | null {
  const all = section.options.get(key);
  // The usual case, one line: no filtered copy (the registry reads 100 000 users × 5 options).
  if (all?.length === 1) return all[0].removed ? null : all[0].value;
  const lines = all?.filter((l) => !l.removed);
  if (!lines?.length) return null;
  let value: string | null = null;
  for (const line of lines) {
    if (line.append && value !== null) value = value ? `${value}, ${line.value}` : line.value;
    else value = line.value;
  }
  return value;
}

/** A comma-separated list, DIRAC's `fromChar`: items trimmed, empty ones dropped. */
export function splitList(value: string | null): string[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * A list of slash-form DNs. DIRAC splits at every comma and so cuts `/O=Beispiel, Forschung/CN=…`
 * in two; a DN starts with `/`, so a piece that does not is glued back onto the one before it.
 */
export function splitDnList(value: string | null): string[] {
  const out: string[] = [];
  for (const piece of (value ?? '').split(',')) {
    const trimmed = piece.trim();
    if (out.length && !piece.trimStart().startsWith('/') && trimmed) out[out.length - 1] = `${out[out.length - 1]},${piece.replace(/\s+$/, '')}`;
    else if (trimmed) out.push(trimmed);
  }
  return out;
}

export function parseBoolean(value: string | null, fallback: boolean): boolean {
  if (value === null || value.trim() === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['false', 'no', 'n', '0', 'f', 'off'].includes(v)) return false;
  if (['true', 'yes', 'y', '1', 't', 'on'].includes(v)) return true;
  return fallback;
}

// ---------------------------------------------------------------- editing

function childIndent(doc: CfgDocument, section: CfgSection): string {
  for (const item of section.items) {
    if (item.removed) continue;
    if (item.type === 'option') return leadingSpace(item.head);
    if (item.type === 'section') return item.indent;
  }
  return section === doc.root ? '' : section.indent + doc.step;
}

/** Sets an option: rewrites its first line in place (later lines and appends go), or adds it at the end. */
export function setOption(doc: CfgDocument, section: CfgSection, key: string, value: string): void {
  const lines = section.options.get(key)?.filter((l) => !l.removed) ?? [];
  if (lines.length) {
    const [first, ...rest] = lines;
    if (first.append) first.head = first.head.replace(/\+=(\s*)$/, '=$1');
    first.append = false;
    if (!first.value && !/\s$/.test(first.head)) first.head += ' ';
    first.value = value;
    for (const line of rest) line.removed = true;
    return;
  }
  addOptionLine(section, { type: 'option', key, append: false, value, head: `${childIndent(doc, section)}${key} = `, tail: doc.eol, line: 0 });
}

export function removeOption(section: CfgSection, key: string): void {
  for (const line of section.options.get(key) ?? []) line.removed = true;
}

/** Adds an empty section at the end of `parent`, in the brace style the parent itself uses. */
export function addSection(doc: CfgDocument, parent: CfgSection, name: string): CfgSection {
  const existing = getSection(parent, [name]);
  if (existing) return existing;
  const indent = childIndent(doc, parent);
  const sameLine = parent !== doc.root && /\S[ \t]*\{\s*$/.test(parent.header.trimEnd().split('\n').pop() ?? '');
  const header = sameLine ? `${indent}${name} {${doc.eol}` : `${indent}${name}${doc.eol}${indent}{${doc.eol}`;
  const section = newSection(name, header, indent, 0);
  section.footer = `${indent}}${doc.eol}`;
  section.at = parent.items.push(section) - 1;
  parent.sections.set(name, section);
  return section;
}

/** Removes a section and the comment lines directly above it (they describe it). */
export function removeSection(parent: CfgSection, name: string): boolean {
  const section = parent.sections.get(name);
  if (!section || section.removed) return false;
  section.removed = true;
  parent.sections.delete(name);
  for (let i = section.at - 1; i >= 0; i--) {
    const item = parent.items[i];
    if (item.removed) continue;
    if (item.type !== 'raw' || !item.text.trim().startsWith('#')) break;
    item.removed = true;
  }
  return true;
}
