/** Runs the real CLI (`bun bin/codex-supervisor.ts`) as a user would, against a given database and config dir. */
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../../..");
export const CLI = join(REPO, "bin/codex-supervisor.ts");

export interface CliRun {
  readonly code: number;
  /** The signal that ended it, if one did: the supervisor must never be hurt by its own kills. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export const runCli = async (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: { readonly cwd?: string; readonly stdin?: string; readonly timeoutMs?: number; readonly prefix?: ReadonlyArray<string> } = {},
): Promise<CliRun> => {
  const started = Date.now();
  const proc = Bun.spawn([...(options.prefix ?? []), process.execPath, CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, signal: proc.signalCode === null ? null : String(proc.signalCode), stdout, stderr, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
};

/** A crash shows as a stack trace or Bun's own panic, never as one of our messages. */
export const looksLikeCrash = (text: string): boolean =>
  /internal error|\n\s+at .+:\d+:\d+|panic|Segmentation fault|uncaught|TypeError|ReferenceError/i.test(text);
