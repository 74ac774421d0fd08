import { describe, expect, it } from 'vitest';
import { buildProgram, main } from '../../src/program.js';

describe('program', () => {
  it('registers the config command when loaded from sources', async () => {
    const program = await buildProgram();
    expect(program.commands.map((c) => c.name())).toContain('config');
  });
  it('refuses an unknown option as a usage error', async () => {
    expect(await main(['node', 'idsync-tui', '--no-such-option'])).toBe(2);
  });
});

describe('error lines', () => {
  it('fold newlines and show control characters as escapes', async () => {
    const { oneLine } = await import('../../src/program.js');
    expect(oneLine('bad\n  fault \u001b]0;owned\u0007 and \u009b2J')).toBe('bad fault \\x1b]0;owned\\x07 and \\x9b2J');
  });
});
