import { describe, expect, it } from 'vitest';
import { COMMANDS, loadAllCommands } from '#functions/cli/commands/index.ts';
import { runCliCaptured } from '../cli-run.ts';

describe('the command table', () => {
  it.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('loads `%s` under the words that select it', async (_, entry) => {
    // Act
    const command = await entry.load();

    // Assess
    expect(command.path).toEqual(entry.path);
  });

  it('selects each command by distinct words', () => {
    // Assess
    const names = COMMANDS.map((c) => c.path.join(' '));
    expect(new Set(names).size).toBe(names.length);
  });

  it('lists every command in the top-level help', async () => {
    // Act
    const result = await runCliCaptured(['--help'], process.cwd());

    // Assess
    expect(result.code).toBe(0);
    for (const command of await loadAllCommands()) {
      expect(result.stdout).toContain(`wasure ${command.usage}`);
    }
  });
});
