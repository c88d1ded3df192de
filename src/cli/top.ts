import { isatty } from "node:tty";
import * as Effect from "effect/Effect";
import { DURATION_RANGES, readDuration } from "../core/duration.ts";
import { UsageError } from "../core/errors.ts";
import { textRenderer } from "../core/history/render.ts";
import { killJob } from "../app/jobs/kill.ts";
import { type LiveFrame, liveView } from "../app/jobs/live.ts";
import { CodexHistory } from "../services/CodexHistory.ts";
import { COMMON_OPTIONS } from "./args.ts";
import type { Command } from "./command.ts";
import { shortId } from "../app/text/fit.ts";
import { describe } from "../app/text/messages.ts";
import { type AppServices, isKnown, runProgram } from "../app/runtime.ts";
import { type Key, parseKeys } from "./top/keys.ts";
import { filtered, renderScreen, type TopState } from "../app/text/topScreen.ts";
import { enterTerminal } from "./top/tty.ts";
import { configSearchDir } from "./workingDir.ts";
import { readable } from "../app/jobs/logs.ts";

const EVENTS_KEPT = 50;
const LOG_EVENTS = 300;

/** Resolves after `ms`, or at once when woken (a key, a resize, a kill that finished). */
const makeWaker = () => {
  let wake: (() => void) | undefined;
  return {
    wait: (ms: number) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { wake = undefined; resolve(); }, Math.max(0, ms));
      wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
    }),
    wake: () => wake?.(),
  };
};

export const top: Command = {
  name: "top",
  summary: "a live full-screen view of the jobs, every other Codex and the newest events",
  usage: "top [--interval DURATION]",
  details: [
    "Like htop: the running jobs and every other Codex with CPU, memory, elapsed time, tokens and the last",
    "agent message (or when its history last moved), the newest events below, refreshed every --interval.",
    "Keys: ↑/↓ select a job, l its logs, k kill it (asks first), / filter, q or Ctrl-C quit. NO_COLOR is honoured;",
    "the terminal is given back as it was on every way out.",
  ].join("\n"),
  options: {
    interval: { type: "string", value: "DURATION", help: "how often to refresh, 100ms to 1h (default 1s)" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) => {
    const read = readDuration((values.interval as string | undefined) ?? "1s", DURATION_RANGES.interval);
    if ("problem" in read) throw new UsageError({ message: `--interval: ${read.problem}` });
    if (values.json) throw new UsageError({ message: "top is a view for a terminal; for JSON use list --json and events --follow --json" });
    if (!isatty(0) || !isatty(1)) throw new UsageError({ message: "top needs a terminal (stdin and stdout); for a script use list and events --follow" });
    const intervalMs = read.ms;
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.once("SIGHUP", stop);
    const program = Effect.scoped(Effect.gen(function* () {
      const run = Effect.runPromiseWith(yield* Effect.context<AppServices>());
      const history = yield* CodexHistory;
      const view = liveView({ events: EVENTS_KEPT });
      const waker = makeWaker();
      const keys: Key[] = [];
      const tty = yield* Effect.acquireRelease(
        Effect.sync(() => enterTerminal((text) => { keys.push(...parseKeys(text)); waker.wake(); }, waker.wake)),
        (t) => Effect.sync(t.leave),
      );
      const color = !process.env.NO_COLOR;
      let state: TopState = { mode: "list", selected: undefined, filter: "", notice: undefined, logs: [] };
      let logsOffset = 0;
      let frame: LiveFrame = yield* view.look();
      let nextAt = Date.now() + intervalMs;
      const visible = () => filtered(frame.jobs, state.filter);
      const selectedRow = () => visible().find((r) => r.key === state.selected);
      /** The selection kept on a job that is still shown, else the first one. */
      const keepSelection = () => {
        const rows = visible();
        if (!rows.some((r) => r.key === state.selected)) state = { ...state, selected: rows[0]?.key };
      };
      const loadLogs = Effect.gen(function* () {
        const path = selectedRow()?.job?.rolloutPath;
        if (!path) return ["no Codex history for this job yet"];
        const tail = yield* history.tail(path, LOG_EVENTS, { keep: readable }).pipe(Effect.orElseSucceed(() => undefined));
        if (!tail) return ["the history could not be read"];
        const renderer = textRenderer();
        return [...tail.events.flatMap(renderer.render), ...renderer.end()];
      });
      const kill = (row: NonNullable<ReturnType<typeof selectedRow>>) => {
        if (!row.job) return;
        const label = `job ${shortId(row.key)}`;
        state = { ...state, notice: `killing ${label}…` };
        run(killJob(row.job, 5000, { reason: "top" })).then(
          (o) => { state = { ...state, notice: o.result === "survivors" ? `${label}: ${o.report?.survivors.length ?? 0} process(es) survived the kill` : `${label} ${o.result}: ${o.report?.members.length ?? 0} process(es) ended` }; },
          (e: unknown) => { state = { ...state, notice: `${label} not killed: ${isKnown(e) ? describe(e).message : String(e)}` }; },
        ).finally(() => { view.forget(); nextAt = 0; waker.wake(); });
      };
      /** One key in the current mode; whether to quit. */
      const press = (key: Key): boolean => {
        if (key.name === "interrupt") return true;
        const rows = visible();
        const at = rows.findIndex((r) => r.key === state.selected);
        const move = (by: number) => { state = { ...state, selected: rows[Math.min(rows.length - 1, Math.max(0, at + by))]?.key, notice: undefined }; };
        switch (state.mode) {
          case "filter":
            if (key.name === "enter") state = { ...state, mode: "list" };
            else if (key.name === "escape") state = { ...state, mode: "list", filter: "" };
            else if (key.name === "backspace") state = { ...state, filter: state.filter.slice(0, -1) };
            else if (key.name === "char") state = { ...state, filter: state.filter + key.char };
            keepSelection();
            return false;
          case "confirm": {
            const row = selectedRow();
            state = { ...state, mode: "list", notice: undefined };
            if (key.name === "char" && key.char.toLowerCase() === "y" && row) kill(row);
            return false;
          }
          case "logs":
            if (key.name === "char" && key.char === "q") return true;
            if (key.name === "escape" || (key.name === "char" && key.char === "l")) { state = { ...state, mode: "list", logs: [] }; logsOffset = 0; }
            else if (key.name === "up") logsOffset++;
            else if (key.name === "down") logsOffset = Math.max(0, logsOffset - 1);
            else if (key.name === "pageUp") logsOffset += tty.size().rows - 3;
            else if (key.name === "pageDown") logsOffset = Math.max(0, logsOffset - (tty.size().rows - 3));
            else if (key.name === "end") logsOffset = 0;
            return false;
          case "list":
            if (key.name === "up") move(-1);
            else if (key.name === "down") move(1);
            else if (key.name === "pageUp") move(-10);
            else if (key.name === "pageDown") move(10);
            else if (key.name === "home") move(-rows.length);
            else if (key.name === "end") move(rows.length);
            else if (key.name === "escape") state = { ...state, notice: undefined };
            else if (key.name === "char") {
              if (key.char === "q") return true;
              if (key.char === "/") state = { ...state, mode: "filter", notice: undefined };
              else if (key.char === "k") state = selectedRow()?.job ? { ...state, mode: "confirm", notice: undefined } : { ...state, notice: "no job selected" };
              else if (key.char === "l") state = selectedRow() ? { ...state, mode: "logs", notice: undefined, logs: ["reading…"] } : { ...state, notice: "no job selected" };
            }
            return false;
        }
      };
      keepSelection();
      for (;;) {
        tty.draw(renderScreen(frame, state, tty.size(), { color, intervalMs, logsOffset }));
        if (keys.length === 0) yield* Effect.promise(() => waker.wait(nextAt - Date.now()));
        let quit = false;
        const wasLogs = state.mode === "logs";
        for (const key of keys.splice(0)) quit ||= press(key);
        if (quit) return;
        if (Date.now() >= nextAt) {
          frame = yield* view.look();
          keepSelection();
          nextAt = Date.now() + intervalMs;
          if (state.mode === "logs") state = { ...state, logs: yield* loadLogs };
        } else if (state.mode === "logs" && !wasLogs) {
          state = { ...state, logs: yield* loadLogs };
        }
      }
    }));
    return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined }, program, () => {}, controller.signal);
  },
};
