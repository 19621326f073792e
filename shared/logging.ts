/**
 * Structured operational logs. A line holds an event name and scalar
 * fields chosen by the code that logs (counts, ids of requests, sweeps and
 * executions, error names); never record fields, subject ids or error
 * messages, which may quote input.
 */

/** A scalar log field. */
export type LogValue = string | number | boolean;

/** One log line. */
export type LogLine = Readonly<Record<string, LogValue>> & {
  readonly level: 'info' | 'error';
  readonly event: string;
};

/** Where log lines go. */
export type Logger = (line: LogLine) => void;

/** A logger writing one JSON object a line (Lambda's JSON log format keeps it as the message). */
export function jsonLogger(write: (text: string) => void = (t) => console.log(t)): Logger {
  return (line) => write(JSON.stringify(line));
}

type Task = (event: never) => Promise<unknown>;

/** How to summarise a task's result in its log line. */
export type Summaries<T extends Record<string, Task>> = {
  readonly [K in keyof T]?: (result: Awaited<ReturnType<T[K]>>) => Record<string, LogValue>;
};

/**
 * Wraps each task so that it logs one line when it ends: `component.task`,
 * its duration and its summary, or, when it throws, the error's name only.
 */
export function instrument<T extends Record<string, Task>>(
  component: string,
  tasks: T,
  log: Logger | undefined,
  summaries: Summaries<T>,
): T {
  if (log === undefined) {
    return tasks;
  }
  const wrapped: Record<string, Task> = {};
  for (const [name, task] of Object.entries(tasks)) {
    wrapped[name] = async (event: never) => {
      const started = Date.now();
      try {
        const result = await task(event);
        const summary = summaries[name as keyof T]?.(result as never) ?? {};
        log({ ...summary, level: 'info', event: `${component}.${name}`, ms: Date.now() - started });
        return result;
      } catch (error) {
        log({
          level: 'error',
          event: `${component}.${name}`,
          ms: Date.now() - started,
          error: error instanceof Error ? error.name : 'unknown',
        });
        throw error;
      }
    };
  }
  return wrapped as T;
}
