const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNITLESS = /^\d+(?:\.\d+)?$/;

const SECOND = 1_000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

/** The least and the most a duration may be, in milliseconds. */
export interface DurationRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Every duration a user can give, bounded: a value outside is an error naming the range, never an
 * endless wait nor a busy loop. The one place these limits are set (documented in docs/config.md).
 */
export const DURATION_RANGES = {
  /** `kill --grace`, MCP `codex_kill` grace, the kill action's `grace`: between SIGTERM and SIGKILL. */
  grace: { min: 0, max: 10 * MINUTE },
  /** `watchdog.interval`: how often the watchdog ticks. */
  interval: { min: 100, max: HOUR },
  /** `watchdog.pluginTimeout`: how long one plugin hook may take. */
  pluginTimeout: { min: 100, max: 10 * MINUTE },
  /** A policy's `runtimeOver`, `idleFor` and `repeat`. */
  condition: { min: 0, max: 365 * DAY },
  /** A prune schedule's `olderThan`. */
  retention: { min: 0, max: 3650 * DAY },
} as const satisfies Record<string, DurationRange>;

/** Parses "250ms", "5s", "45m", "1.5h", "14d" into milliseconds; undefined when malformed. Unbounded: see readDuration. */
export const parseDuration = (text: string): number | undefined => {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2]!]!;
};

/** The shortest exact writing of a duration: "100ms", "90s", "10m", "365d". */
export const formatDuration = (ms: number): string => {
  if (ms === 0) return "0s";
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  }
  return `${ms}ms`;
};

/** "from 0s to 10m" */
export const describeRange = (range: DurationRange): string => `from ${formatDuration(range.min)} to ${formatDuration(range.max)}`;

export const UNIT_NEEDED = `a duration needs one, e.g. "5s" (ms, s, m, h, d or w)`;

export type DurationReading =
  | { readonly ms: number }
  | { readonly problem: string; readonly reason: "malformed" | "no-unit" | "out-of-range" };

/** A duration the user gave, parsed and bounded; the problem says what is wrong with the text (the caller says where). */
export const readDuration = (text: string, range: DurationRange): DurationReading => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    return UNITLESS.test(text.trim())
      ? { problem: `"${text}" has no unit: ${UNIT_NEEDED}`, reason: "no-unit" }
      : { problem: `"${text}" is not a duration (like 500ms, 5s, 1m)`, reason: "malformed" };
  }
  if (ms > range.max || ms < range.min) return { problem: `expected a duration ${describeRange(range)}, got "${text}"`, reason: "out-of-range" };
  return { ms };
};

/** "1h 02m", "3m 05s", "12s": elapsed times as people read them. */
export const formatElapsed = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400), h = Math.floor((s % 86_400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${pad(h)}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
};
