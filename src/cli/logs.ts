import { findJob } from "../app/jobs/find.ts";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { UsageError } from "../core/errors.ts";
import type { HistoryEvent } from "../core/history/records.ts";
import { jsonRenderer, textRenderer } from "../core/history/render.ts";
import { isFinal } from "../core/job.ts";
import { refreshJob } from "../app/jobs/refresh.ts";
import { CodexHistory } from "../services/CodexHistory.ts";
import { JobStore } from "../services/JobStore.ts";
import type { ProcessTable } from "../services/ProcessTable.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, printJsonLines } from "./command.ts";
import { runProgram } from "../app/runtime.ts";
import { stderr, stdout } from "../app/output.ts";
import { jobStderr } from "../app/jobs/output.ts";
import { cleanLines } from "../core/output.ts";
import { configSearchDir } from "./workingDir.ts";
import { awaitRollout, readable } from "../app/jobs/logs.ts";
import { endingJson, endingText, type JobEnding, jobEnding } from "./ending.ts";

/** Codex's stderr as `logs` prints it: text lines, or one `{"kind":"stderr","text":…}` per line with --json. */
const stderrLines = (text: string, tail: number | undefined, json: boolean): string[] => {
  const lines = cleanLines(text.endsWith("\n") ? text.slice(0, -1) : text);
  const kept = tail === undefined ? lines : lines.slice(Math.max(0, lines.length - tail));
  return json ? kept.map((line) => JSON.stringify({ kind: "stderr", text: line })) : kept;
};

export const logs: Command = {
  name: "logs",
  summary: "a job's history, read from Codex's own rollout file",
  usage: "logs JOB [--tail N] [--follow] [--stderr] [--json]",
  details: [
    "Shows the prompt, agent messages, commands with their output and exit codes, and token counts.",
    "--json prints one normalized event per line. --tail reads from the end of the file only.",
    "--stderr prints what Codex wrote on its stderr instead (kept capped, newest part): its errors, such",
    "as a model it cannot reach, are there and not in the history. A job with no history shows it too.",
  ].join("\n"),
  options: {
    tail: { type: "string", short: "n", value: "N", help: "only the last N events" },
    follow: { type: "boolean", short: "f", help: "keep printing new events until the job ends" },
    stderr: { type: "boolean", help: "Codex's own stderr instead of the history" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError({ message: "logs takes one JOB (an id or a unique prefix)" });
    const tail = values.tail === undefined ? undefined : Number(values.tail);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new UsageError({ message: `--tail: "${values.tail}" is not a whole number` });
    if (values.stderr && values.follow) throw new UsageError({ message: "--stderr shows what Codex wrote so far; it cannot be combined with --follow" });
    const json = values.json === true;
    const renderer = textRenderer();
    const toJson = jsonRenderer();
    const emit = (events: ReadonlyArray<HistoryEvent>) => Effect.sync(() => {
      if (json) return printJsonLines(toJson(events.filter(readable)));
      const out = events.filter(readable).flatMap(renderer.render);
      if (out.length > 0) stdout.write(`${out.join("\n")}\n`);
    });
    const printStderr = (text: string) => Effect.sync(() => {
      const out = stderrLines(text, tail, json);
      if (json) return printJsonLines(out);
      if (out.length > 0) stdout.write(`${out.join("\n")}\n`);
    });
    const program = Effect.gen(function* () {
      let ended: JobEnding | undefined;
      const history = yield* CodexHistory;
      const found = yield* findJob(positionals[0]!);
      if (values.stderr) return yield* printStderr((yield* jobStderr(found)) ?? "");
      // no history (a start Codex refused, a model never reached): what Codex said is all there is
      const rollout = yield* awaitRollout(found, values.follow === true).pipe(Effect.catchTag("HistoryError", (error) =>
        Effect.gen(function* () {
          const text = yield* jobStderr(found);
          if (!text || text.trim() === "") return yield* error;
          stderr.write(`codex-supervisor: ${error.reason}; Codex's stderr follows\n`);
          yield* printStderr(text);
          return undefined;
        })));
      if (!rollout) return;
      const { job, path } = rollout;
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
      if (!json) {
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
