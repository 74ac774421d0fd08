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
