import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8, readLines } from '#functions/cli/commands/ingest.ts';
import type { IngestLine, Rejection } from '#shared/use-cases/ingest-records.ts';

describe('firstInvalidUtf8', () => {
  it.each<[string, number[], number]>([
    ['ASCII', [0x61, 0x62], -1],
    ['Japanese', [...Buffer.from('前橋')], -1],
    ['a four-byte character', [...Buffer.from('𠮷')], -1],
    ['a stray continuation byte', [0x61, 0x80], 1],
    ['0xff', [0x61, 0x62, 0xff], 2],
    ['an overlong slash', [0x61, 0xc0, 0xaf], 1],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf], 0],
    ['a surrogate', [0xed, 0xa0, 0x80], 0],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a truncated character', [0x61, 0xe5, 0x89], 1],
  ])('%s → %d', (_name, bytes, want) => {
    // Act / Assess
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(want);
  });
});

describe('readLines', () => {
  let dir: string;
  const read = async (bytes: Buffer, max?: number) => {
    const file = join(dir, `f-${Math.random()}.jsonl`);
    await writeFile(file, bytes);
    const refused: Rejection[] = [];
    const lines: IngestLine[] = [];
    for await (const l of readLines(file, refused, max)) lines.push(l);
    return { lines, refused };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-lines-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('yields lines with their numbers, skips blank ones, drops CR and a leading BOM', async () => {
    // Act
    const { lines, refused } = await read(Buffer.from('\uFEFF{"a":1}\r\n\n  \n{"b":"前"}'));

    // Assess
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":"前"}' },
    ]);
    expect(refused).toEqual([]);
  });

  it('refuses a line that is not UTF-8, naming its byte offsets, and goes on', async () => {
    // Act
    const { lines, refused } = await read(Buffer.concat([Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xff]), Buffer.from('"}\n{"c":3}\n')]));

    // Assess
    expect(lines.map((l) => l.line)).toEqual([1, 3]);
    expect(refused).toEqual([
      { line: 2, problems: [{ path: '(line)', message: 'is not valid UTF-8: bad byte 0xff at byte 6 of the line (byte 14 of the file)' }] },
    ]);
  });

  it('refuses an over-long line without buffering it, and goes on', async () => {
    // Act
    const { lines, refused } = await read(Buffer.from(`{"a":1}\n${'x'.repeat(5000)}\n{"c":3}`), 1000);

    // Assess
    expect(lines.map((l) => l.line)).toEqual([1, 3]);
    expect(refused).toEqual([{ line: 2, problems: [{ path: '(line)', message: expect.stringContaining('is 5000 bytes long; a line may be at most 1000 bytes') }] }]);
  });
});
