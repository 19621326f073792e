/**
 * Integration-test helper: one embedded local default (DynamoDB Local,
 * s3rver, local key service) per test file, in a fresh temporary directory
 * that is removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Embedded, type EmbeddedOptions, startEmbedded } from '#functions/local/embedded.ts';

/** Options of {@link withEmbedded}. */
export type WithEmbeddedOptions = Omit<EmbeddedOptions, 'dir'>;

/**
 * Starts the stand-ins in `beforeAll` and stops them in `afterAll` of the
 * calling file or describe block. Returns an accessor, because the
 * instance exists only once `beforeAll` has run.
 *
 * @example
 * const env = withEmbedded();
 * it('stores', async () => { await env().dynamodb.send(...); });
 */
export function withEmbedded(options: WithEmbeddedOptions = {}): () => Embedded {
  let embedded: Embedded | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-it-'));
    embedded = await startEmbedded({ persist: false, ...options, dir });
  });
  afterAll(async () => {
    await embedded?.stop();
    embedded = undefined;
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return () => {
    if (embedded === undefined) {
      throw new Error('withEmbedded: the stand-ins run only between beforeAll and afterAll');
    }
    return embedded;
  };
}
