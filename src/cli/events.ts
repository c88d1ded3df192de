import { findJob } from "../app/jobs/find.ts";
import * as Effect from "effect/Effect";
import { JobStore } from "../services/JobStore.ts";
import { COMMON_OPTIONS, WIDE_OPTION } from "./args.ts";
import { type Command, print, printJsonLines } from "./command.ts";
import { outputWidth } from "../app/text/fit.ts";
import { clock, type ColumnFit, shortId, table } from "../app/text/format.ts";
import { UsageError } from "../core/errors.ts";
import { runProgram } from "../app/runtime.ts";
import { eventJson } from "../app/text/views.ts";
import { configSearchDir } from "./workingDir.ts";

// Narrowed, the message and a long policy or action name are cut; the action, then the policy go before the message would vanish.
const EVENT_FIT: ReadonlyArray<ColumnFit> = [{}, {}, {}, { cut: "end", min: 8, drop: 1 }, { cut: "end", min: 6, drop: 2 }, { cut: "end", min: 16 }];

export const events: Command = {
  name: "events",
  summary: "what the watchdog and kills decided and did",
  usage: "events [--job JOB] [--limit N] [--wide] [--json]",
  options: {
    job: { type: "string", value: "JOB", help: "only this job's events" },
    limit: { type: "string", value: "N", help: "the newest N events (default 100)" },
    ...WIDE_OPTION,
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) => {
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError({ message: `--limit: "${values.limit}" is not a positive whole number` });
    const program = Effect.gen(function* () {
      const store = yield* JobStore;
      const jobId = values.job ? (yield* findJob(values.job as string)).id : undefined;
      return yield* store.listEvents({ jobId, limit });
    });
    return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined, badProjectConfig: "warn" }, program, (list) => {
      if (values.json) return printJsonLines(list.map((e) => JSON.stringify(eventJson(e))));
      if (list.length === 0) return print("no events");
      const wide = values.wide === true;
      print(table(["TIME", "KIND", "JOB", "POLICY", "ACTION", "MESSAGE"], list.map((e) => [
        clock(e.at), e.kind, e.jobId ? (wide ? e.jobId : shortId(e.jobId)) : e.pid ? `pid ${e.pid}` : "-", e.policy ?? "-", e.action ?? "-", e.message,
      ]), { width: outputWidth(wide), fit: EVENT_FIT }));
    });
  },
};
