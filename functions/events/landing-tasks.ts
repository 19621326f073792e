/**
 * The landing tagger's task: every object an event reports as created
 * under `landing/` of the landing bucket is tagged, stored or quarantined.
 * The same function serves EventBridge events on AWS and s3rver's event
 * notifications locally.
 */
import { isLandingKey, landedObjects } from '#shared/domain/landing.ts';
import { instrument } from '#shared/logging.ts';
import { type LandingDeps, type LandingResult, tagLandedObject } from '#shared/use-cases/tag-landed-object.ts';

/** Counts of one event (no keys: file names may be personal). */
export interface LandingSummary {
  readonly objects: number;
  readonly stored: number;
  readonly refused: number;
  readonly gone: number;
  readonly results: LandingResult[];
}

/** The tagger, bound to its landing bucket. */
export function landingTasks(deps: LandingDeps, bucket: string) {
  return instrument(
    'landing',
    {
      tag: async (event: unknown): Promise<LandingSummary> => {
        const results: LandingResult[] = [];
        for (const ref of landedObjects(event)) {
          if (ref.bucket === bucket && isLandingKey(ref.key)) {
            results.push(await tagLandedObject(deps, ref.key));
          }
        }
        const sum = (f: (r: LandingResult) => number) => results.reduce((n, r) => n + f(r), 0);
        return {
          objects: results.length,
          stored: sum((r) => r.stored),
          refused: sum((r) => r.refused),
          gone: sum((r) => (r.outcome === 'gone' ? 1 : 0)),
          results,
        };
      },
    },
    deps.log,
    { tag: (r) => ({ objects: r.objects, stored: r.stored, refused: r.refused, gone: r.gone }) },
  );
}
