/** The console's backend over the embedded stores (`wasure console`). */
import { join } from 'node:path';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { runEmbeddedRequest } from '../local/local-request.ts';
import { runSweepLocally } from '../local/local-sweep.ts';
import type { EmbeddedRuntime } from '../runtime.ts';
import type { ConsoleBackend } from './backend.ts';

/** The embedded backend: one open runtime, exports under `stateDir`. */
export function embeddedBackend(runtime: EmbeddedRuntime, stateDir: string): ConsoleBackend {
  return {
    mode: 'embedded',
    deps: runtime.deps,
    requestDeps: runtime.requestDeps,
    audit: runtime.audit,
    exports: new DirectoryExportStore(join(stateDir, 'exports'), runtime.deps.clock),
    run: (request) => runEmbeddedRequest(runtime, stateDir, request),
    sweep: (options) => runSweepLocally({ ...runtime.deps, checkpoint: () => runtime.audit.checkpoint() }, options),
  };
}
