/** Runs every benchmark in turn (each writes bench/results/<name>.json). */
import { spawnSync } from 'node:child_process';

for (const name of ['ingest', 'audit', 'requests', 'sweep', 'cli']) {
  process.stderr.write(`\n== bench:${name}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.exit(r.status ?? 1);
  }
}
