/**
 * Embedded mode's stand-in for the EventBridge rule on the landing
 * bucket: s3rver's own event notifications for the local landing bucket
 * are handed, in arrival order, to the same tagger the Lambda function
 * runs. `catchUp` handles objects that landed while nothing was watching.
 */
import type { EventEmitter } from 'node:events';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { LANDING_PREFIX } from '#shared/domain/landing.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { type LandingSummary, landingTasks } from '../events/landing-tasks.ts';
import type { Embedded } from './embedded.ts';
import { type TaskScope, taskScope } from './run-state-machine.ts';

/** The scope the tagger runs in locally (its calls are the tagger function's). */
export const LANDING_SCOPE: TaskScope = { stateMachine: 'events', state: 'LandingTagger' };

/** A running watcher. */
export interface LandingWatcher {
  /** Resolves when every event received so far is handled; rejects with the first failure. */
  idle(): Promise<LandingSummary[]>;
  /** Tags objects already under `landing/` (landed while nothing watched). */
  catchUp(): Promise<LandingSummary>;
  /** Stops listening. */
  stop(): void;
}

/** Starts handing the local landing bucket's events to the tagger. */
export function watchLanding(embedded: Embedded, deps: LifecycleDeps): LandingWatcher {
  const bucket = embedded.names.landingBucket;
  // s3rver keeps no versions: its listing returns current objects only.
  const landing = new S3ObjectStore(embedded.s3, bucket, { versioned: false });
  const tasks = landingTasks({ ...deps, landing }, bucket);
  const done: LandingSummary[] = [];
  let failure: Error | undefined;
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (event: unknown) => {
    queue = queue.then(async () => {
      try {
        done.push(await taskScope.run(LANDING_SCOPE, () => tasks.tag(event)));
      } catch (error) {
        failure ??= error as Error;
      }
    });
    return queue;
  };
  const listener = (event: unknown) => {
    void enqueue(event);
  };
  const events = embedded.s3Server as unknown as EventEmitter;
  events.on('event', listener);
  return {
    async idle() {
      await queue;
      if (failure !== undefined) {
        throw failure;
      }
      return [...done];
    },
    async catchUp() {
      const keys = (await landing.listVersions(LANDING_PREFIX)).map((v) => v.key);
      const event = {
        Records: keys.map((key) => ({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key) } } })),
      };
      await enqueue(event);
      return done[done.length - 1] as LandingSummary;
    },
    stop() {
      events.off('event', listener);
    },
  };
}
