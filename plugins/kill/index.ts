import { type ActionResult, definePlugin, type KillSummary } from "codex-supervisor";
import { DURATION_RANGES, durationWithin, z } from "codex-supervisor/plugin";

export const killOptions = z.strictObject({
  /** How long the tree gets between SIGTERM and SIGKILL, e.g. "5s". */
  grace: durationWithin(DURATION_RANGES.grace).prefault("5s"),
});

/** The kill counts as done only when the whole tree is gone. */
export const killOutcome = (summary: KillSummary): ActionResult => ({
  done: summary.result === "killed" || summary.result === "already-gone",
  message: summary.message,
});

/** A policy's own options for one kill: `["kill", { grace: "1s" }]`. */
export const killActionOptions = z.strictObject({
  /** Overrides the plugin's grace for this policy. */
  grace: durationWithin(DURATION_RANGES.grace).optional(),
});

export default definePlugin({
  name: "kill",
  options: killOptions,
  // checked when the config loads, so a mistyped grace is a config error, never a kill that keeps failing
  actionOptions: { kill: killActionOptions },
  actions: {
    /** The verified whole-tree kill; `["kill", { grace: "1s" }]` overrides the plugin's grace. */
    kill: async (ctx) => {
      const grace = ctx.actionOptions.grace;
      return killOutcome(await ctx.kill({ graceMs: typeof grace === "number" ? grace : ctx.options.grace }));
    },
  },
});
