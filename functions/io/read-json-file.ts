/**
 * Reading JSON files the way the CLI and the runtime both need it: every
 * error names the file. Kept apart from the commands so the runtime does
 * not import a command (and, through it, the CLI's types, which import the
 * runtime).
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '#shared/errors.ts';

/** Reads and parses a JSON file, naming the file in every error. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read ${path}`, [
      { path, message: (error as Error).message },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${path} is not valid JSON`, [
      { path, message: (error as Error).message },
    ]);
  }
}
