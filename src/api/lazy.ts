/**
 * The root's createSupervisor: loads the in-process implementation on first use. A config file
 * imports `defineConfig` from the same entry, and should not pay for loading the whole
 * application layer (Effect, SQLite, the process table) to do so.
 */
import type { EventJson, EventsOptions, LogEvent, LogsOptions, Supervisor, SupervisorOptions } from "./types.ts";

export const createSupervisor = (options: SupervisorOptions = {}): Supervisor => {
  let loaded: Promise<Supervisor> | undefined;
  const impl = () => (loaded ??= import("./supervisor.ts").then((m) => m.createInProcessSupervisor(options)));
  async function* events(o?: EventsOptions): AsyncGenerator<EventJson> {
    yield* (await impl()).events(o);
  }
  async function* followLogs(job: string, o?: LogsOptions): AsyncGenerator<LogEvent> {
    yield* (await impl()).followLogs(job, o);
  }
  return {
    start: async (o) => (await impl()).start(o),
    list: async (o) => (await impl()).list(o),
    status: async (job) => (await impl()).status(job),
    logs: async (job, o) => (await impl()).logs(job, o),
    kill: async (job, o) => (await impl()).kill(job, o),
    resume: async (job, o) => (await impl()).resume(job, o),
    waitFor: async (job, o) => (await impl()).waitFor(job, o),
    events,
    followLogs,
    close: async () => { if (loaded) await (await loaded).close(); },
  };
};
