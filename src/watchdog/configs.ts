import * as Effect from "effect/Effect";
import { type ConfigPlaces, configPlaces, type FingerprintMemo, fingerprintOf } from "../config/fingerprint.ts";
import { type LoadedConfig, loadConfigEffect, type SkippedConfig } from "../config/load.ts";
import type { ConfigError } from "../core/errors.ts";
import { fn } from "../core/fn.ts";
import { JobStore } from "../services/JobStore.ts";

/** What the watchdog records (and logs) of a project file it did not apply. */
export const skippedMessage = (s: SkippedConfig): string =>
  s.fix
    ? `untrusted project config ${s.file} (${s.reason}): run \`${s.fix}\` to apply it; processes there get the global config`
    : `project config ${s.file} not loaded: ${s.reason}; processes there get the global config`;

/**
 * Says once per file and change (its content, or why it is skipped) that a project file is not
 * applied: an event, and a line on the watchdog's log.
 */
const skippedReporter = () => {
  const told = new Set<string>();
  return fn("configBook.reportSkipped")(function* (skipped: SkippedConfig) {
    const key = `${skipped.file}\0${skipped.sha256 ?? ""}\0${skipped.reason}`;
    if (told.has(key)) return;
    told.add(key);
    const message = skippedMessage(skipped);
    process.stderr.write(`codex-supervisor: ${message}\n`);
    const store = yield* JobStore;
    yield* store.appendEvent({ kind: "config-untrusted", message, data: { file: skipped.file, reason: skipped.reason, fix: skipped.fix ?? null } }).pipe(Effect.ignore);
  });
};

export interface ConfigProblem {
  readonly cwd: string;
  readonly error: ConfigError;
}

/**
 * The effective config per directory, checked afresh each tick so an edit (or a new
 * project file) takes effect on the next tick: the files it would read are stat'ed,
 * and it is loaded again only when one of them changed (or appeared, or went). A
 * config that stops loading keeps its last good version in force; the problem is
 * reported once per distinct error. A project file that is not trusted (or not safely owned)
 * is never loaded: that directory gets the global config (never the last good project one),
 * and it is said once per file and change.
 */
export const configBook = (options: {
  readonly explicitFile?: string | undefined;
  readonly fallbackCwd: string;
  /** What else a loaded config must pass to replace the last good one (the watchdog: its plugins load). */
  readonly accept?: (config: LoadedConfig) => Effect.Effect<ConfigError | undefined>;
}) => {
  const lastGood = new Map<string, LoadedConfig>();
  const reportSkipped = skippedReporter();
  const reported = new Map<string, string>();
  const fingerprints = new Map<string, string>();
  // Where each directory's config may be is worked out once: home and the environment do not
  // change under a running watchdog, and the paths cost more to build than the stats they name.
  const where = new Map<string, ConfigPlaces>();
  const placesOf = (cwd: string): ConfigPlaces => {
    let known = where.get(cwd);
    if (!known) where.set(cwd, (known = configPlaces({ cwd, explicitFile: options.explicitFile })));
    return known;
  };

  const load = fn("configBook.load")(function* (cwd: string) {
    const fingerprint = fingerprintOf(placesOf(cwd));
    if (fingerprints.get(cwd) === fingerprint) {
      return { config: lastGood.get(cwd) ?? lastGood.get(options.fallbackCwd), problem: undefined };
    }
    fingerprints.set(cwd, fingerprint);
    const result = yield* loadConfigEffect({ cwd, explicitFile: options.explicitFile }).pipe(
      Effect.flatMap((config) => (options.accept ? options.accept(config) : Effect.succeed(undefined)).pipe(
        Effect.flatMap((rejected) => (rejected ? Effect.fail(rejected) : Effect.succeed(config))),
      )),
      Effect.result,
    );
    if (result._tag === "Success") {
      if (result.success.skipped) yield* reportSkipped(result.success.skipped);
      lastGood.set(cwd, result.success);
      reported.delete(cwd);
      return { config: result.success, problem: undefined };
    }
    const text = JSON.stringify(result.failure.issues);
    const fresh = reported.get(cwd) !== text;
    reported.set(cwd, text);
    const fallback = lastGood.get(cwd) ?? lastGood.get(options.fallbackCwd);
    return { config: fallback, problem: fresh ? { cwd, error: result.failure } satisfies ConfigProblem : undefined };
  });

  /** Configs for the given directories (plus the fallback), and the problems first seen this time. */
  const forDirs = fn("configBook.forDirs")(function* (dirs: Iterable<string>) {
    const configs = new Map<string, LoadedConfig>();
    const problems: ConfigProblem[] = [];
    for (const cwd of new Set([options.fallbackCwd, ...dirs])) {
      const { config, problem } = yield* load(cwd);
      if (config) configs.set(cwd, config);
      if (problem) problems.push(problem);
    }
    return { configs, problems, fallback: configs.get(options.fallbackCwd) };
  });

  /** Would `forDirs` of these directories load nothing anew? Only stat calls: what a quiet tick checks. */
  const unchanged = (dirs: Iterable<string>): boolean => {
    const memo: FingerprintMemo = new Map();
    for (const cwd of new Set([options.fallbackCwd, ...dirs])) {
      if (fingerprints.get(cwd) !== fingerprintOf(placesOf(cwd), memo)) return false;
    }
    return true;
  };

  return { forDirs, unchanged };
};
