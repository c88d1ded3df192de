/** The JSON a bench run writes to bench/results/, and what bench/report.ts reads back. */
import type { Summary } from "./stats.ts";

export interface Goal {
  /** The goal in words, e.g. "≤ 0.5× pm2 jlist". */
  readonly text: string;
  /** Whether this run met it; null when it could not be judged (a comparison was skipped). */
  readonly met: boolean | null;
  /** What was measured against it, in its terms, e.g. "0.41× pm2 jlist" or "max 212 ms". */
  readonly actual: string;
}

/** One line of a benchmark's table: one case, each contender's measurements, the ratios. */
export interface Row {
  readonly case: string;
  /** "ms", "MB", "CPU s/h". */
  readonly unit: string;
  /** Contender → its measurements; the supervisor comes first. */
  readonly values: Readonly<Record<string, Summary>>;
  /** e.g. { "÷ pm2 jlist": 0.41 }: medians divided. */
  readonly ratios: Readonly<Record<string, number>>;
  readonly goal?: Goal;
  readonly note?: string;
}

export interface SuiteResult {
  readonly id: string;
  readonly title: string;
  /** What is measured and how, in a sentence or three (shown under the table). */
  readonly method: string;
  readonly rows: ReadonlyArray<Row>;
  readonly notes: ReadonlyArray<string>;
  readonly error?: string;
  readonly elapsedMs: number;
}

export interface Machine {
  readonly host: string;
  readonly os: string;
  readonly kernel: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly bun: string;
  readonly node: string;
  readonly pm2: string | null;
  readonly codex: string | null;
  readonly commit: string;
  readonly processes: number;
  readonly loadavgStart: ReadonlyArray<number>;
  readonly loadavgEnd: ReadonlyArray<number>;
}

export interface RunResult {
  readonly schema: 1;
  readonly mode: "full" | "quick";
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly suites: ReadonlyArray<SuiteResult>;
}
