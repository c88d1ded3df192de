import * as Data from "effect/Data";

/** One hook call that threw, rejected, returned something unusable or ran past its time. */
export class PluginError extends Data.TaggedError("PluginError")<{
  readonly plugin: string;
  /** `beforeLaunch`, `actions.kill`, `onTick`, `onJobEnd`, `onReport`. */
  readonly hook: string;
  readonly cause: unknown;
}> {}

/** A policy asked for an action no loaded plugin defines. */
export class UnknownAction extends Data.TaggedError("UnknownAction")<{
  readonly action: string;
  readonly available: ReadonlyArray<string>;
}> {}

/** A hook ran past `watchdog.pluginTimeout`; it was abandoned, not waited for. */
export class HookTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "HookTimeout";
  }
}

const causeText = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message || cause.name;
  if (typeof cause === "string") return cause;
  try { return JSON.stringify(cause) ?? String(cause); } catch { return String(cause); }
};

/** `plugin "notify" failed in actions.notify: webhook answered 500`: one line for events and launch errors. */
export const pluginErrorText = (e: PluginError): string => `plugin "${e.plugin}" failed in ${e.hook}: ${causeText(e.cause)}`;

export const unknownActionText = (e: UnknownAction): string =>
  `unknown action "${e.action}": no loaded plugin defines it (available: ${e.available.join(", ") || "none"})`;
