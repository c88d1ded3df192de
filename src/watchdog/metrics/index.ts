import * as Effect from "effect/Effect";
import pkg from "../../../package.json" with { type: "json" };
import type { MetricsConfig } from "../../config/metrics.ts";
import type { Subject } from "../../core/subject.ts";
import { JobStore } from "../../services/JobStore.ts";
import { writeWhole } from "../../services/writeWhole.ts";
import { EXPOSITION_CONTENT_TYPE, exposition } from "./exposition.ts";
import { logsRequest, metricsRequest, postOtlp } from "./otlp.ts";
import { makeRegistry } from "./registry.ts";

/** What the loop tells the metrics after each tick. */
export interface TickEnd {
  readonly at: number;
  readonly durationMs: number;
  /** Whether the tick was a full one: only then may the jobs' counts have changed. */
  readonly full: boolean;
  /** The subjects it judged, read only when metrics are on; undefined when the tick failed. */
  readonly subjects: (() => ReadonlyArray<Subject>) | undefined;
  /** The global config's `metrics` (the watchdog's own config), as of this tick. */
  readonly config: MetricsConfig | undefined;
}

// a port that could not be bound is tried again this often, and said once
const RETRY_LISTEN_MS = 60_000;
const OTLP_TIMEOUT_MS = 10_000;
// events sent per push at most; the rest go with the next one
const OTLP_EVENTS_PER_PUSH = 1000;

const urlOf = (c: NonNullable<MetricsConfig["listen"]>) => `http://${c.hostname.includes(":") ? `[${c.hostname}]` : c.hostname}:${c.port}/metrics`;
const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/** Says each change of one way's trouble once: a new problem, and the way working again after one. */
const troubleTeller = (say: (line: string) => void) => {
  let last: string | undefined;
  return (problem: string | undefined, failing: (problem: string) => string, working: string) => {
    if (problem && problem !== last) say(failing(problem));
    if (!problem && last) say(working);
    last = problem;
  };
};

/**
 * The watchdog's metrics (docs/fleet.md): counted as it acts, gauged after every tick, served
 * to Prometheus at `metrics.listen`, pushed to an OTLP collector at `metrics.otlp` and written
 * for node_exporter at `metrics.textfile` when the global config asks. Trouble (a port in use, a
 * collector down, a folder not writable) is said once per change, on the watchdog's stderr, and
 * never stops a tick.
 */
export const makeWatchMetrics = Effect.fn("makeWatchMetrics")(function* (say: (line: string) => void, options: { readonly exports: boolean }) {
  const store = yield* JobStore;
  const registry = makeRegistry();
  const startedAt = Date.now();
  // events after this one go to the collector as logs: what this watchdog's life recorded
  let sinceId = (yield* store.listEvents({ limit: 1 }).pipe(Effect.orElseSucceed(() => []))).at(-1)?.id ?? 0;

  let server: ReturnType<typeof Bun.serve> | undefined;
  let serving: string | undefined;
  let triedAt = 0;
  let listenProblem: string | undefined;
  const serve = (listen: MetricsConfig["listen"], now: number) => {
    const url = listen ? urlOf(listen) : undefined;
    if (url === serving && (server || now - triedAt < RETRY_LISTEN_MS)) return;
    server?.stop(true);
    server = undefined;
    serving = url;
    triedAt = now;
    if (!listen || !url) return;
    try {
      server = Bun.serve({
        hostname: listen.hostname, port: listen.port,
        fetch: (request) => new URL(request.url).pathname === "/metrics"
          ? new Response(exposition(registry.snapshot()), { headers: { "content-type": EXPOSITION_CONTENT_TYPE } })
          : new Response("not found: the metrics are at /metrics\n", { status: 404 }),
      });
      listenProblem = undefined;
      say(`serving Prometheus metrics at ${url}`);
    } catch (cause) {
      const problem = `cannot serve metrics at ${url}: ${reason(cause)}; the watchdog goes on without them and tries again every minute`;
      if (problem !== listenProblem) say(problem);
      listenProblem = problem;
    }
  };

  let countFailed = false;
  let pushedAt = 0;
  let pushing = false;
  const otlpTrouble = troubleTeller(say);
  const push = (otlp: string, interval: number, now: number) => Effect.gen(function* () {
    if (pushing || now - pushedAt < interval) return;
    pushedAt = now;
    const events = yield* store.listEvents({ sinceId, limit: OTLP_EVENTS_PER_PUSH }).pipe(Effect.orElseSucceed(() => []));
    pushing = true;
    const sent = Promise.all([
      postOtlp(otlp, "/v1/metrics", metricsRequest(registry.snapshot(), startedAt, now, pkg.version), OTLP_TIMEOUT_MS),
      events.length > 0 ? postOtlp(otlp, "/v1/logs", logsRequest(events, now, pkg.version), OTLP_TIMEOUT_MS) : undefined,
    ]);
    void sent.then(([metricsFailed, logsFailed]) => {
      pushing = false;
      if (!logsFailed && events.length > 0) sinceId = events.at(-1)!.id;
      otlpTrouble(metricsFailed ?? logsFailed, (p) => `cannot push metrics to the OTLP collector at ${otlp}: ${p}; trying again every push`,
        `pushing metrics to the OTLP collector at ${otlp} again`);
    });
  });

  let wroteAt = 0;
  const textfileTrouble = troubleTeller(say);
  // whole or not at all: node_exporter may read it at any moment
  const writeTextfile = (file: string, interval: number, now: number) => {
    if (now - wroteAt < interval) return;
    wroteAt = now;
    let problem: string | undefined;
    // node_exporter runs as a user of its own: readable by others (like `ps` output)
    try { writeWhole(file, exposition(registry.snapshot()), 0o644); } catch (cause) { problem = reason(cause); }
    textfileTrouble(problem, (p) => `cannot write metrics to ${file}: ${p}; trying again every ${interval / 1000} s`, `writing metrics to ${file} again`);
  };

  return {
    /** A policy's action ran (see fire.ts). */
    firing: registry.firing,
    /** A policy's kill ended, with KillSummary's result. */
    kill: registry.kill,
    afterTick: (end: TickEnd) => Effect.gen(function* () {
      // a watchdog that stops after a few ticks (`watch --once`) would serve nothing worth scraping
      const config = options.exports ? end.config : undefined;
      serve(config?.listen, end.at);
      if (!config?.listen && !config?.otlp && !config?.textfile) return;
      // a failed tick enforced nothing: it is counted, and the gauges (the last tick's time too) stay as they were
      if (!end.subjects) registry.tickFailed();
      else {
        // counts change only with the database, which makes the tick a full one; a count that failed is read again next tick
        const jobs = end.full || countFailed ? yield* store.countByStatus().pipe(Effect.orElseSucceed(() => undefined)) : undefined;
        countFailed = jobs === undefined && (end.full || countFailed);
        registry.tick({ at: end.at, durationMs: end.durationMs, subjects: end.subjects, jobs });
      }
      if (config.otlp) yield* push(config.otlp, config.otlpInterval, end.at);
      if (config.textfile && end.subjects) writeTextfile(config.textfile, config.textfileInterval, end.at);
    }),
    stop: () => { server?.stop(true); server = undefined; },
  };
});

export type WatchMetrics = Effect.Success<ReturnType<typeof makeWatchMetrics>>;
