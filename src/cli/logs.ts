import { findJob } from "../core/jobs/find.ts";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { HistoryError, UsageError } from "../core/errors.ts";
import type { HistoryEvent } from "../core/history/records.ts";
import { jsonRenderer, textRenderer } from "../core/history/render.ts";
import { isFinal, type Job } from "../core/job.ts";
import { refreshJob } from "../core/jobs/refresh.ts";
import { CodexHistory } from "../services/CodexHistory.ts";
import { JobStore } from "../services/JobStore.ts";
import type { ProcessTable } from "../services/ProcessTable.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, printJsonLines } from "./command.ts";
import { runProgram } from "./runtime.ts";
import { stdout } from "./output.ts";
import { fn } from "../core/fn.ts";
import { configSearchDir } from "./workingDir.ts";
import { endingJson, endingText, type JobEnding, jobEnding } from "./ending.ts";

/** What a person wants to read: not the instructions Codex injects, nor records this version skips. */
export const readable = (e: HistoryEvent) => e.kind !== "context" && e.kind !== "unknown" && e.kind !== "turn_context" && e.kind !== "malformed";

export const awaitRollout = fn("awaitRollout")(function* (job: Job, follow: boolean) {
  let current = (yield* refreshJob(job)).job;
  // a job just started may not have its thread yet; --follow waits for it
  while (follow && !current.rolloutPath && !isFinal(current.status)) {
    yield* Effect.sleep(200);
    current = (yield* refreshJob(current)).job;
  }
  if (!current.rolloutPath) {
    return yield* new HistoryError({ path: current.codexHome, reason: `no Codex history found for job ${current.id.slice(0, 8)} (${current.status})` });
  }
  return { job: current, path: current.rolloutPath };
});

export const logs: Command = {
  name: "logs",
  summary: "a job's history, read from Codex's own rollout file",
  usage: "logs JOB [--tail N] [--follow] [--json]",
  details: [
    "Shows the prompt, agent messages, commands with their output and exit codes, and token counts.",
    "--json prints one normalized event per line. --tail reads from the end of the file only.",
  ].join("\n"),
  options: {
    tail: { type: "string", short: "n", value: "N", help: "only the last N events" },
    follow: { type: "boolean", short: "f", help: "keep printing new events until the job ends" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError({ message: "logs takes one JOB (an id or a unique prefix)" });
    const tail = values.tail === undefined ? undefined : Number(values.tail);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new UsageError({ message: `--tail: "${values.tail}" is not a whole number` });
    const renderer = textRenderer();
    const toJson = jsonRenderer();
    const emit = (events: ReadonlyArray<HistoryEvent>) => Effect.sync(() => {
      if (values.json) return printJsonLines(toJson(events.filter(readable)));
      const out = events.filter(readable).flatMap(renderer.render);
      if (out.length > 0) stdout.write(`${out.join("\n")}\n`);
    });
    const program = Effect.gen(function* () {
      let ended: JobEnding | undefined;
      const history = yield* CodexHistory;
      const { job, path } = yield* awaitRollout(yield* findJob(positionals[0]!), values.follow === true);
      if (tail === undefined && !values.follow) {
        yield* history.readAll(path).pipe(Stream.runForEach((e) => emit([e])));
      } else {
        const read = yield* history.tail(path, tail ?? Number.MAX_SAFE_INTEGER, { keep: readable });
        yield* emit(read.events);
        if (values.follow) {
          const context = yield* Effect.context<JobStore | CodexHistory | ProcessTable>();
          let current = job;
          const isDone = Effect.suspend(() => refreshJob(current)).pipe(
            Effect.map((r) => { current = r.job; return isFinal(current.status); }),
            Effect.orElseSucceed(() => false),
            Effect.provide(context),
          );
          yield* history.follow(path, read.endOffset, { isDone }).pipe(Stream.runForEach((f) => emit([f.event])));
          ended = yield* jobEnding(current);
        }
      }
      if (!values.json) {
        const end = renderer.end();
        if (end.length > 0) stdout.write(`${end.join("\n")}\n`);
        if (ended) stdout.write(`${endingText(ended)}\n`);
      } else if (ended) {
        printJsonLines([JSON.stringify(endingJson(ended))]);
      }
    });
    return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined }, program, () => {});
  },
};
