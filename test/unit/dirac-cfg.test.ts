import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import {
  type CfgSection, addSection, childSections, compactChildren, getOption, getSection, parseCfg, removeOption, removeSection, serializeCfg,
  setOption, splitDnList,
} from '../../src/engine/dirac/cfg.js';
import { InputError } from '../../src/engine/errors.js';

/** shared/formats/dirac.cfg, the Registry example every engineer works from. */
const example = `Registry
{
  DefaultGroup = demo_user
  VO
  {
    demo
    {
      VOMSName = demo
      VOAdmin = alindqvi
      DefaultGroup = demo_user
      QuarantineGroup = demo_lowprio
      IdProvider = Demo-IAM
      AutoDeleteUsers = False
    }
  }
  Groups
  {
    demo_user
    {
      Users = alindqvi, dsokolov
      Properties = NormalUser
      VO = demo
      VOMSRole = /demo
      VOMSVO = demo
    }
    demo_prod
    {
      Users = dsokolov
      Properties = NormalUser, ProductionManagement
      VO = demo
      VOMSRole = /demo/Role=production
      VOMSVO = demo
    }
    demo_admin
    {
      Users = alindqvi
      Properties = CSAdministrator
      VO = demo
      # no VOMSRole: a group the sync never removes anyone from
    }
    demo_pilot
    {
      Users = dsokolov
      VO = demo
      VOMSRole = /demo/Role=pilot
      AutoSyncVOMS = False
    }
  }
  Users
  {
    alindqvi
    {
      DN = /DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=alindqvi/CN=700101/CN=Ada Lindqvist
      CA = /DC=ch/DC=cern/CN=CERN Grid Certification Authority
      Email = ada.lindqvist@example.org
    }
    dsokolov
    {
      DN = /DC=org/DC=example/CN=Dmitri Sokolov, /C=CH/O=Example/CN=Dmitri Sokolov
      CA = /DC=org/DC=example/CN=Example CA, /C=CH/O=Example/CN=Example CA
      Email = d.sokolov@example.net
      Suspended = demo
    }
  }
}
`;

function errorOf(text: string): string {
  try {
    parseCfg(text, 'r.cfg');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('parsed without error');
}

describe('DIRAC CFG reader and writer', () => {
  it('writes an unchanged file back byte for byte', () => {
    expect(serializeCfg(parseCfg(example, 'dirac.cfg'))).toBe(example);
    const generated = generateVo({ size: 300, seed: 7 }).diracCfg;
    expect(serializeCfg(parseCfg(generated, 'g.cfg'))).toBe(generated);
    const odd = 'A {\r\n  x = 1  \r\n\r\n  # c\r\n  y =\r\n  B\r\n  # between\r\n  {\r\n  }\r\n}';
    expect(serializeCfg(parseCfg(odd, 'odd.cfg'))).toBe(odd);
  });

  it('reads nested sections, lists, appends and comments', () => {
    const doc = parseCfg('R\n{\n  # note\n  U\n  {\n    DN = /a=1, /b=2\n    DN += /c=3\n  }\n}\n', 'r.cfg');
    const u = getSection(doc, ['R', 'U'])!;
    expect(getOption(u, 'DN')).toBe('/a=1, /b=2, /c=3');
    expect(splitDnList(getOption(u, 'DN'))).toEqual(['/a=1', '/b=2', '/c=3']);
  });

  it('trims keys and values as the CS does, whatever the spaces and line ends', () => {
    const text = 'A\r\n{\r\n  Key\u00a0=\u3000a b\u2003\r\n\tBraces = {x} \r\n  Empty =  \r\n  L += more\r\n}';
    const doc = parseCfg(text, 'u.cfg');
    const a = getSection(doc, ['A'])!;
    expect([getOption(a, 'Key'), getOption(a, 'Braces'), getOption(a, 'Empty'), getOption(a, 'L')]).toEqual(['a b', '{x}', '', 'more']);
    expect(serializeCfg(doc)).toBe(text);
    setOption(doc, a, 'Key', 'c');
    expect(serializeCfg(doc)).toBe(text.replace('a b', 'c'));
  });

  it('keeps a comma inside a DN together', () => {
    expect(splitDnList('/C=DE/O=Beispiel, Forschung und Lehre/CN=Elif, /C=CH/CN=X')).toEqual([
      '/C=DE/O=Beispiel, Forschung und Lehre/CN=Elif', '/C=CH/CN=X',
    ]);
  });

  it('edits keep comments and the order of everything else', () => {
    const doc = parseCfg(example, 'dirac.cfg');
    const users = getSection(doc, ['Registry', 'Users'])!;
    setOption(doc, getSection(users, ['alindqvi'])!, 'Email', 'ada@example.org');
    const added = addSection(doc, users, 'newbie');
    setOption(doc, added, 'DN', '/CN=New');
    removeOption(getSection(users, ['dsokolov'])!, 'Suspended');
    const out = serializeCfg(doc);
    expect(out).toBe(
      example
        .replace('Email = ada.lindqvist@example.org', 'Email = ada@example.org')
        .replace('      Suspended = demo\n', '')
        .replace(/(  Users\n  \{\n[\s\S]*?\n    \}\n)(  \}\n\}\n?)$/, '$1    newbie\n    {\n      DN = /CN=New\n    }\n$2'),
    );
    expect(out).toContain('# no VOMSRole: a group the sync never removes anyone from');
  });

  it('removes a section with the comment above it', () => {
    const text = 'U\n{\n  a\n  {\n    x = 1\n  }\n  # about b\n  b\n  {\n    x = 2\n  }\n}\n';
    const doc = parseCfg(text, 'r.cfg');
    removeSection(getSection(doc, ['U'])!, 'b');
    expect(serializeCfg(doc)).toBe('U\n{\n  a\n  {\n    x = 1\n  }\n}\n');
  });

  it('rewrites an option that had appends as one line', () => {
    const doc = parseCfg('G\n{\n  Users = a\n  Other = 1\n  Users += b\n}\n', 'r.cfg');
    setOption(doc, getSection(doc, ['G'])!, 'Users', 'a, b, c');
    expect(serializeCfg(doc)).toBe('G\n{\n  Users = a, b, c\n  Other = 1\n}\n');
  });

  it('refuses malformed files with the line', () => {
    expect(errorOf('Registry\n{\n  Users\n  {\n}\n')).toBe('r.cfg: line 1: section "Registry" is never closed (missing "}")');
    expect(errorOf('A\n{\n}\n}\n')).toBe('r.cfg: line 4: "}" without a matching "{"');
    expect(errorOf('# top\nkey = value\n')).toBe('r.cfg: line 2: option "key" outside any section');
    expect(errorOf('A\nB\n{\n}\n')).toBe('r.cfg: line 1: section name "A" is not followed by "{"');
    expect(errorOf('A\n{\n  = 3\n}\n')).toBe('r.cfg: line 3: an option without a name');
    expect(errorOf('A\n{\n  B\n  {\n  }\n  B\n  {\n  }\n}\n')).toBe('r.cfg: line 6: section "B" is defined twice in the same section (first at line 3)');
  });

  it('round-trips any generated document (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/);
    const value = fc.stringMatching(/^[^\n\r{}#=]{0,20}$/).map((s) => s.trim());
    const comment = fc.stringMatching(/^[^\n\r]{0,15}$/).map((s) => `# ${s}`);
    const section: fc.Memo<string[]> = fc.memo((depth) =>
      fc.tuple(
        name,
        fc.array(
          depth > 1
            ? fc.oneof(fc.tuple(name, value).map(([k, v]) => [`${k} = ${v}`]), comment.map((c) => [c]), fc.constant(['']), section(depth - 1))
            : fc.oneof(fc.tuple(name, value).map(([k, v]) => [`${k} = ${v}`]), comment.map((c) => [c])),
          { maxLength: 5 },
        ),
      ).map(([n, children]) => {
        const seen = new Set<string>();
        const body = children.filter((c) => {
          if (c.length === 1) return true;
          if (seen.has(c[0])) return false;
          seen.add(c[0]);
          return true;
        });
        return [n, '{', ...body.flat().map((l) => `  ${l}`), '}'];
      }),
    );
    fc.assert(
      fc.property(section(3), fc.boolean(), (lines, finalNewline) => {
        const text = lines.join('\n') + (finalNewline ? '\n' : '');
        expect(serializeCfg(parseCfg(text, 'p.cfg'))).toBe(text);
      }),
    );
  });

  it('reads a section of options kept as text as it reads the same section split into lines (property)', () => {
    const key = fc.constantFrom('DN', 'CA', 'Email', 'DN x', 'DNS');
    const space = fc.constantFrom('', ' ', '  ', '\t', '\u00a0');
    const line = fc.oneof(
      fc.tuple(space, key, space, fc.constantFrom('=', '+='), space, fc.stringMatching(/^[^\n\r{}#=]{0,12}$/), space)
        .map(([a, k, b, op, c, v, d]) => `${a}${k}${b}${op}${c}${v}${d}`),
      fc.constantFrom('', '  # DN = commented', '\t'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = ['R {', '  U', '  {', ...lines.map((l) => `    ${l}`), '  }', '}', ''].join(eol);
        const kept = getSection(parseCfg(text, 'p.cfg'), ['R', 'U'])!;
        const doc = parseCfg(text, 'p.cfg');
        const split = getSection(doc, ['R', 'U'])!;
        // Asking for the lines splits the section.
        expect(split.items.filter((i) => i.type === 'option').length).toBe(lines.filter((l) => l.includes('=') && !l.includes('#')).length);
        for (const k of ['DN', 'CA', 'Email', 'DN x', 'DNS', 'Missing']) expect(getOption(kept, k)).toBe(getOption(split, k));
        expect(serializeCfg(doc)).toBe(text);
        setOption(doc, split, 'Email', 'e@x.org');
        expect(getOption(split, 'Email')).toBe('e@x.org');
      }),
    );
  });

  it('reports a bad line inside a section of options with its number', () => {
    expect(errorOf('A\n{\n  B\n  {\n    x = 1\n    = 3\n  }\n}\n')).toBe('r.cfg: line 6: an option without a name');
    expect(errorOf('A\n{\n  B\n  {\n    x = 1\n    += 3\n  }\n}\n')).toBe('r.cfg: line 6: an option without a name');
    expect(errorOf('A\n{\n  B\n  {\n    x = 1\n    y\n  }\n}\n')).toBe('r.cfg: line 6: section name "y" is not followed by "{"');
    expect(errorOf('A\n{\n  B\n  {\n    x { = 1\n  }\n}\n')).toMatch(/^r\.cfg: line 5: unexpected/);
    expect(errorOf('A\n{\n  B\n  {\n    x = 1\n')).toBe('r.cfg: line 3: section "B" is never closed (missing "}")');
  });

  it('reads a section of sections of options kept as text as it reads the same sections split into lines (property)', () => {
    const key = fc.constantFrom('DN', 'CA', 'Email');
    const option = fc.tuple(key, fc.constantFrom('=', '+='), fc.stringMatching(/^[^\n\r{}#=]{0,12}$/)).map(([k, op, v]) => `      ${k} ${op} ${v}`);
    const between = fc.constantFrom('', '    # a comment', '\t');
    const child = fc.tuple(
      fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/),
      fc.constantFrom(' {', '\n    {', '\n    # about it\n    {'),
      fc.array(fc.oneof(option, between), { maxLength: 4 }),
      fc.array(between, { maxLength: 2 }),
    ).map(([name, open, lines, after]) => ({ name, lines: [`    ${name}${open}`, ...lines, '    }', ...after] }));
    fc.assert(
      fc.property(fc.uniqueArray(child, { selector: (c) => c.name, minLength: 1, maxLength: 5 }), fc.constantFrom('\n', '\r\n'), (children, eol) => {
        const body = children.flatMap((c) => c.lines).join('\n').split('\n');
        const text = ['R', '{', '  U', '  {', ...body, '  }', '}', ''].join(eol);
        // The same sections with an option after them: that section is split into lines at once.
        const reference = ['R', '{', '  U', '  {', ...body, '    last = 1', '  }', '}', ''].join(eol);
        const doc = parseCfg(text, 'p.cfg');
        const split = getSection(parseCfg(reference, 'p.cfg'), ['R', 'U'])!;
        const kept = compactChildren(getSection(doc, ['R', 'U'])!)!;
        const sections = childSections(split);
        expect(kept.names).toEqual(sections.map((s) => s.name));
        sections.forEach((s, at) => {
          expect(kept.positionOf(s.name)).toBe(at);
          expect(kept.options(at, ['DN', 'CA', 'Email', 'None'], [])).toEqual(['DN', 'CA', 'Email', 'None'].map((k) => getOption(s, k)));
        });
        expect(kept.positionOf('nobody')).toBe(-1);
        expect(doc.step).toBe('  ');
        expect(serializeCfg(doc)).toBe(text);
        // Asking for its items splits it as a full parse would: same sections, lines and raw text.
        const shape = (section: CfgSection) => section.items.map((i) =>
          i.type === 'section' ? [i.name, i.header, i.indent, i.line, i.footer, i.at, i.items.map((o) => (o.type === 'option' ? [o.key, o.value, o.line] : o.type))] : i.type === 'raw' ? i.text : i.key);
        expect(shape(getSection(doc, ['R', 'U'])!)).toEqual(shape(split).slice(0, -1));
        expect(compactChildren(getSection(doc, ['R', 'U'])!)).toBeNull();
        expect(serializeCfg(doc)).toBe(text);
      }),
    );
  });

  it('a section of sections kept as text is edited as any other', () => {
    const doc = parseCfg(example, 'r.cfg');
    const users = getSection(doc, ['Registry', 'Users'])!;
    expect(compactChildren(users)!.names).toEqual(['alindqvi', 'dsokolov']);
    setOption(doc, getSection(users, ['dsokolov'])!, 'Email', 'dmitri@example.net');
    addSection(doc, users, 'newbie');
    removeSection(users, 'alindqvi');
    const out = serializeCfg(doc);
    expect(out).toContain('      Email = dmitri@example.net\n      Suspended = demo\n    }\n    newbie\n    {\n    }\n  }\n}\n');
    expect(out).not.toContain('    alindqvi\n    {');
    expect(errorOf('A\n{\n  B\n  {\n    x = 1\n  }\n  c\n  {\n    y\n  }\n}\n')).toBe('r.cfg: line 9: section name "y" is not followed by "{"');
    expect(errorOf('A\n{\n  B\n  {\n  }\n  C\n  # c\n  D\n  {\n  }\n}\n')).toBe('r.cfg: line 6: section name "C" is not followed by "{"');
  });

  it('an edit touches only the edited line (property)', () => {
    const base = generateVo({ size: 40, seed: 3 }).diracCfg;
    const names = [...base.matchAll(/^ {4}(\w+)\n {4}\{\n {6}DN/gm)].map((m) => m[1]);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.stringMatching(/^[a-z]{1,10}@[a-z]{1,8}\.org$/), (user, email) => {
        const doc = parseCfg(base, 'g.cfg');
        setOption(doc, getSection(doc, ['Registry', 'Users', user])!, 'Email', email);
        const before = base.split('\n');
        const after = serializeCfg(doc).split('\n');
        expect(after.length).toBe(before.length);
        const differing = before.flatMap((l, i) => (l === after[i] ? [] : [i]));
        expect(differing.length).toBeLessThanOrEqual(1);
        if (differing.length) expect(after[differing[0]]).toBe(`      Email = ${email}`);
      }),
    );
  });
});
