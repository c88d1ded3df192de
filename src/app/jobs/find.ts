import * as Effect from "effect/Effect";
import { JobAmbiguous, JobNotFound } from "../../core/errors.ts";
import { JobStore } from "../../services/JobStore.ts";
import { fn } from "../../core/fn.ts";

/**
 * A job by id, unique id prefix, or name. A name shared by several jobs means the
 * running one, if exactly one runs; otherwise it is ambiguous.
 */
export const findJob = fn("findJob")(function* (query: string) {
  const store = yield* JobStore;
  const byId = yield* store.resolve(query).pipe(Effect.result);
  if (byId._tag === "Success") return byId.success;
  if (byId.failure._tag !== "JobNotFound") return yield* byId.failure;
  const named = (yield* store.list({ all: true })).filter((j) => j.name === query);
  const running = named.filter((j) => j.status === "running");
  const pick = named.length === 1 ? named : running.length === 1 ? running : undefined;
  if (pick?.[0]) return pick[0];
  if (named.length > 1) return yield* new JobAmbiguous({ query, matches: named.slice(0, 5).map((j) => j.id.slice(0, 8)) });
  return yield* new JobNotFound({ query });
});
