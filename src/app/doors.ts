/**
 * The doors the CLI can open besides its own: `mcp` serves the MCP door, `watch` runs the watchdog.
 * The CLI receives them from the composition root (src/main.ts) instead of importing them, so no
 * door imports another (test/architecture/imports.test.ts).
 */
export interface Doors {
  /** Serves the MCP tools on stdin/stdout until the client goes away. */
  readonly serveMcp: (context: { readonly cwd: string; readonly configFile: string | undefined }) => Promise<void>;
  /** Runs the watchdog in the foreground until SIGTERM/SIGINT (or one tick with `once`); the exit code. */
  readonly runWatchdog: (options: WatchdogRun) => Promise<number>;
}

export interface WatchdogRun {
  /** Whose config sets the interval and schedules; undefined: home. */
  readonly cwd: string | undefined;
  /** Where a config is looked for when `cwd` is not given. */
  readonly searchDir: string;
  readonly configFile: string | undefined;
  readonly once: boolean;
  /** A line per tick on stderr. */
  readonly trace: boolean;
  /** Its log on stdout as one JSON object a line (its notices too), not text. */
  readonly json: boolean;
}
