import { z } from "zod";

/**
 * The tools' argument and result schemas. Results mirror the CLI's `--json` shapes
 * (src/app/text/views.ts); they are loose objects so a field added to a view never turns a
 * good result into a validation error.
 */

export const cwdArg = z.string().optional()
  .describe("Directory whose codex-supervisor config applies (default: the server's working directory)");

export const jobArg = z.string().min(1).describe("A job id, any unique prefix of it, or the job's name");

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const jobShape = z.looseObject({
  jobId: z.string(),
  name: nullable(z.string()),
  status: z.string().describe("running, completed, aborted, killed, failed (Codex exited non-zero) or exited"),
  pid: z.number().describe("the npm launcher's pid"),
  nativePid: nullable(z.number()),
  threadId: nullable(z.string()),
  cwd: z.string(),
  startedAt: z.string(),
  endedAt: nullable(z.string()),
  exitCode: nullable(z.number()),
  python: z.looseObject({ kind: z.string(), source: z.string() }),
  resumedFrom: nullable(z.string()).describe("the job this one continues"),
  rolloutPath: nullable(z.string()),
});

/** Codex's own output: nowhere in its history. */
const output = {
  stderrTail: z.array(z.string()).describe("the last lines Codex wrote on its stderr (why it failed, or cannot reach its model)"),
  stdoutFile: z.string(),
  stderrFile: z.string(),
};

const load = {
  pids: z.array(z.number()),
  cpu: z.number().describe("percent of one core, the whole tree"),
  memory: z.number().describe("resident bytes, the whole tree"),
};

export const statusShape = z.looseObject({
  totals: z.looseObject({ all: z.number(), tracked: z.number(), untracked: z.number() }),
  jobs: z.array(jobShape.extend({
    ...load,
    elapsedMs: z.number(),
    lastActivityAt: nullable(z.string()),
    lastAgentMessage: nullable(z.string()),
    turnState: nullable(z.string()),
    ...output,
  })),
  untracked: z.array(z.looseObject({
    pid: z.number(),
    ...load,
    kind: z.string(),
    command: z.string(),
    startedAt: z.string(),
    threadId: nullable(z.string()),
    cwd: nullable(z.string()),
    claimedJobId: nullable(z.string()),
  })),
  unchecked: z.array(z.string()).describe("what the process table could not read (open files when lsof is missing); empty when it read everything"),
});

export const logsShape = z.looseObject({
  job: jobShape,
  historyFile: nullable(z.string()).describe("null when Codex wrote no history: its stderr then says why"),
  ...output,
  events: z.array(z.looseObject({ at: nullable(z.string()), kind: z.string() })),
  omitted: z.number().describe("events left out by `tail`"),
  nextOffset: z.number().describe("pass as sinceOffset to get only what is written after this call"),
});

export const killShape = jobShape.extend({
  result: z.enum(["killed", "already-gone", "survivors"]),
  members: z.array(z.looseObject({ pid: z.number(), argv: z.string(), signals: z.array(z.string()) })),
  survivors: z.array(z.number()),
  survivorReasons: z.array(z.object({ pid: z.number(), reason: z.string() })).describe("why each survivor is left"),
  unchecked: z.array(z.string()).describe("what the kill could not check: a possible stray whose environment could not be read, a fact the process table cannot read; empty when it proved everything"),
  elapsedMs: z.number(),
  recorded: z.boolean().describe("false: the processes were ended but the database could not record the kill"),
});

/** The Python and Codex arguments a launch may be given. */
export const launchArgs = {
  name: z.string().optional().describe("A name to find the job by"),
  venv: z.string().optional().describe("Run tool commands in this virtualenv (relative to cwd)"),
  python: z.string().optional().describe("Run tool commands with this interpreter"),
  noVenv: z.boolean().optional().describe("Leave Python alone"),
  args: z.array(z.string()).optional().describe("Extra `codex exec` arguments, after the config's codex.args"),
};

/** At most one of venv, python and noVenv: the message, or undefined when the choice is fine. */
export const pythonConflict = (input: { venv?: string | undefined; python?: string | undefined; noVenv?: boolean | undefined }) => {
  const chosen = (["venv", "python", "noVenv"] as const).filter((k) => input[k] !== undefined && input[k] !== false);
  return chosen.length > 1 ? `${chosen.join(" and ")} cannot be used together` : undefined;
};
