/**
 * The JSON every command prints under `--json`, one schema per shape: docs/json.md describes these,
 * and test/real/jsonShapes.test.ts parses each command's real output with them. Objects are strict:
 * a field printed but not written here fails that test, so a new field is added here and in the docs.
 */
import { z } from "zod";

const iso = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, "an ISO 8601 time in UTC");
const pid = z.number().int().positive();

export const pythonShape = z.strictObject({
  kind: z.enum(["venv", "python", "inherited", "none"]),
  venv: z.string().optional(),
  python: z.string().optional(),
  source: z.enum(["option", "config", "discovered", "caller", "none"]),
});

/** A job as `start` and `resume` print it, and the core of every other job view. */
export const jobShape = z.strictObject({
  jobId: z.string(),
  name: z.string().nullable(),
  status: z.enum(["starting", "running", "completed", "aborted", "killed", "failed", "exited"]),
  pid,
  nativePid: pid.nullable(),
  threadId: z.string().nullable(),
  cwd: z.string(),
  startedAt: iso,
  endedAt: iso.nullable(),
  exitCode: z.number().int().nullable(),
  python: pythonShape,
  resumedFrom: z.string().nullable(),
  /** The job's Codex history file (the rollout). */
  rolloutPath: z.string().nullable(),
});

/** Codex's own output, kept in the job's files: nowhere in its history. */
const output = {
  /** The last lines Codex wrote on its stderr, cleaned of terminal escapes. */
  stderrTail: z.array(z.string()),
  stdoutFile: z.string(),
  stderrFile: z.string(),
};

/** `start --json` and `resume --json`: the job, and where Codex's output goes. */
export const launchShape = jobShape.extend(output);

const load = {
  pids: z.array(pid),
  /** Percent of one core. */
  cpu: z.number().nonnegative(),
  /** Resident bytes. */
  memory: z.number().int().nonnegative(),
};

const nestedShape = z.strictObject({ pid, pids: z.array(pid), kind: z.string(), threadId: z.string().nullable() });

/** `strays`: PIDs found only by the job's marker, cut off from its tree (also in `pids`). */
export const listJobShape = jobShape.extend({
  ...load, strays: z.array(pid), nestedCodex: z.array(nestedShape), elapsedMs: z.number().int().nonnegative(),
});

export const untrackedShape = z.strictObject({
  pid,
  ...load,
  kind: z.string(),
  command: z.string(),
  startedAt: iso,
  threadId: z.string().nullable(),
  cwd: z.string().nullable(),
  claimedJobId: z.string().nullable(),
  /** `"tui"` for the app-server a dead TUI left running. */
  leftoverOf: z.string().nullable(),
});

/** `list --json` */
export const listShape = z.strictObject({
  jobs: z.array(listJobShape),
  untracked: z.array(untrackedShape),
  /** What the process table could not read (`open files … (lsof not found)`); empty when it read everything. */
  unchecked: z.array(z.string()),
});

export const tokensShape = z.strictObject({
  input: z.number().int(), cached: z.number().int(), output: z.number().int(), reasoning: z.number().int(), total: z.number().int(),
});

/** `status JOB --json` */
export const statusShape = listJobShape.omit({ nestedCodex: true }).extend({
  ...output,
  cliVersion: z.string().nullable(),
  lastActivityAt: iso.nullable(),
  turnState: z.enum(["running", "completed", "aborted"]).nullable(),
  tokens: tokensShape.nullable(),
  lastAgentMessage: z.string().nullable(),
  historyProblem: z.string().nullable(),
  /** What the process table could not read (`open files … (lsof not found)`); empty when it read everything. */
  unchecked: z.array(z.string()),
  tree: z.array(z.strictObject({
    pid, ppid: z.number().int().nonnegative(), sid: z.number().int().nonnegative(), state: z.string(), memory: z.number().int().nonnegative(), command: z.string(),
  })),
});

/** `kill JOB --json` */
export const killShape = jobShape.extend({
  result: z.enum(["killed", "survivors", "already-gone"]),
  members: z.array(z.strictObject({ pid, argv: z.string(), signals: z.array(z.string()) })),
  survivors: z.array(pid),
  survivorReasons: z.array(z.strictObject({ pid, reason: z.string() })),
  /** What the kill could not check (empty: it proved every fact it acted on). */
  unchecked: z.array(z.string()),
  /** From the first signal to the last look that found the tree gone. */
  elapsedMs: z.number().int().nonnegative(),
  /** False when the signals went out but the database could not record the kill. */
  recorded: z.boolean(),
});

/** One line of `events --json`: every key on every line. */
export const eventShape = z.strictObject({
  id: z.number().int().positive(),
  at: iso,
  kind: z.string(),
  jobId: z.string().nullable(),
  pid: pid.nullable(),
  policy: z.string().nullable(),
  action: z.string().nullable(),
  message: z.string(),
  data: z.unknown(),
});

/** One line of `watch --json`: an event (its `id` null while the database cannot be written), or a notice of the watchdog's own (`kind: "watchdog"`). */
export const watchLogShape = eventShape.extend({ id: z.number().int().positive().nullable() });

const at = iso.nullable();
const via = z.enum(["response_item", "event_msg"]);
const opt = <T extends z.ZodType>(t: T) => t.optional();

/** One line of `logs --json`: a normalized history event, or the last line of `--follow`. */
export const logLineShape = z.discriminatedUnion("kind", [
  z.strictObject({ at, kind: z.literal("session"), threadId: z.string(), cwd: z.string(), cliVersion: opt(z.string()), source: opt(z.string()), originator: opt(z.string()) }),
  z.strictObject({ at, kind: z.literal("turn_started"), turnId: opt(z.string()) }),
  z.strictObject({ at, kind: z.literal("user_message"), text: z.string(), via }),
  z.strictObject({ at, kind: z.literal("agent_message"), text: z.string(), via }),
  z.strictObject({ at, kind: z.literal("command"), callId: z.string(), tool: z.string(), command: z.string() }),
  z.strictObject({
    at, kind: z.literal("command_output"), callId: z.string(), command: opt(z.string()), output: z.string(),
    exitCode: opt(z.number().int()), durationMs: opt(z.number()), via: z.enum(["item_completed", "function_call_output"]),
  }),
  z.strictObject({ at, kind: z.literal("tokens"), usage: tokensShape, via: z.enum(["token_count", "token_usage_record"]) }),
  z.strictObject({ at, kind: z.literal("turn_complete"), lastAgentMessage: opt(z.string()), durationMs: opt(z.number()) }),
  z.strictObject({ at, kind: z.literal("turn_aborted"), reason: opt(z.string()) }),
  z.strictObject({
    at, kind: z.literal("job_ended"), jobId: z.string(), status: jobShape.shape.status, exitCode: z.number().int().nullable(), killedBy: z.string().nullable(),
  }),
]);

/** `config --json` (the config itself is the config file's schema, with durations in ms and sizes in bytes). */
export const configShape = z.strictObject({
  cwd: z.string(),
  files: z.array(z.string()),
  /** The project file found but not applied (untrusted, edited since trusted, or refused), or null. */
  notApplied: z.strictObject({ file: z.string(), reason: z.string(), fix: z.string().optional() }).nullable(),
  config: z.record(z.string(), z.unknown()),
});

/** `doctor --json` */
export const doctorShape = z.strictObject({
  ok: z.boolean(),
  checks: z.array(z.strictObject({ id: z.string(), title: z.string(), status: z.enum(["ok", "warn", "fail"]), detail: z.string(), fix: z.string().optional() })),
});

/** `service status --json` */
export const serviceStatusShape = z.strictObject({
  action: z.literal("status"),
  kind: z.enum(["systemd", "launchd"]),
  path: z.string(),
  installed: z.boolean(),
  upToDate: z.boolean().nullable(),
  running: z.boolean().nullable(),
  detail: z.string(),
  /** The absolute paths the installed unit runs that no longer exist (an upgrade or uninstall moved them). */
  missing: z.array(z.string()),
});

/** What any command prints on stderr under `--json` when it fails. */
export const errorShape = z.strictObject({ error: z.strictObject({ code: z.string(), message: z.string() }) });
