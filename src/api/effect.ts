/** `codex-supervisor/effect`: the Effect API, for Effect programs (Bun only: it opens the database in process). */
export { CodexSupervisor, WaitTimeout } from "./service.ts";
export type { CodexSupervisorShape, SupervisorFailure } from "./service.ts";
export type * from "./types.ts";
