import type { BenchContext } from "./context.ts";
import type { jobFleet } from "./jobs.ts";
import type { Pm2 } from "./pm2.ts";
import type { Row } from "./results.ts";

/** What every benchmark gets: the sandbox, PM2 (unless skipped) and the shared pool of running jobs. */
export interface SuiteEnv {
  readonly ctx: BenchContext;
  readonly quick: boolean;
  /** PM2 set up on first use; undefined with --no-pm2. */
  readonly pm2: () => Promise<Pm2 | undefined>;
  /** Running supervisor jobs in the pool's database (CODEX_SUPERVISOR_DB = fleetDb). */
  readonly fleet: ReturnType<typeof jobFleet>;
  readonly fleetEnv: Record<string, string>;
  /** Overrides from the command line (e.g. --watch-window). */
  readonly options: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

export interface SuiteOutput {
  readonly rows: Row[];
  readonly notes: string[];
}

export interface Suite {
  readonly id: string;
  readonly title: string;
  readonly method: string;
  run(env: SuiteEnv, out: SuiteOutput): Promise<void>;
}
