import { type ActionResult, definePlugin, type KillSummary } from "codex-supervisor";
import { DURATION_RANGES, durationWithin, readDuration, z } from "codex-supervisor/plugin";

export const killOptions = z.strictObject({
  /** How long the tree gets between SIGTERM and SIGKILL, e.g. "5s". */
  grace: durationWithin(DURATION_RANGES.grace).prefault("5s"),
});

/** The kill counts as done only when the whole tree is gone. */
export const killOutcome = (summary: KillSummary): ActionResult => ({
  done: summary.result === "killed" || summary.result === "already-gone",
  message: summary.message,
});

const actionGrace = (options: Record<string, unknown>): number | string | undefined => {
  const unknown = Object.keys(options).filter((key) => key !== "grace");
  if (unknown.length > 0) return `unknown option ${unknown.map((k) => `"${k}"`).join(", ")} (expected "grace")`;
  const grace = options.grace;
  if (grace === undefined) return undefined;
  const read = typeof grace === "string" ? readDuration(grace, DURATION_RANGES.grace) : undefined;
  if (read && "ms" in read) return read.ms;
  return read && read.reason !== "malformed" ? `grace: ${read.problem}` : `grace must be a duration like "5s", got ${JSON.stringify(grace)}`;
};

export default definePlugin({
  name: "kill",
  options: killOptions,
  actions: {
    /** The verified whole-tree kill; `["kill", { grace: "1s" }]` overrides the plugin's grace. */
    kill: async (ctx) => {
      const grace = actionGrace(ctx.actionOptions);
      // A kill with unreadable options is not silently run with other ones: it stays not done, and says why.
      if (typeof grace === "string") return { done: false, message: `kill not attempted: ${grace}` };
      return killOutcome(await ctx.kill({ graceMs: grace ?? ctx.options.grace }));
    },
  },
});
