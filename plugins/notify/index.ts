import { definePlugin } from "codex-supervisor";
import { duration, z } from "codex-supervisor/plugin";
import { type Delivery, desktopArgv, postWebhook, runArgv } from "./channels.ts";
import { actionPayload, commandEnv, type NotifyPayload, reportPayload } from "./payload.ts";

export const notifyOptions = z.strictObject({
  /** A desktop notification: notify-send on Linux, osascript on macOS. */
  desktop: z.boolean().default(false),
  /** POSTs the event as JSON to this http(s) URL. */
  webhook: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
  /** Runs this argv (no shell) with the event as JSON on stdin and as CODEX_SUPERVISOR_EVENT_* variables. */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** Variables the command may see although their names look secret (…KEY, …TOKEN, …SECRET). */
  passEnv: z.array(z.string().min(1)).default(() => []),
  /** How long each channel may take, e.g. "5s". */
  timeout: duration.prefault("5s"),
});

export type NotifyOptions = z.output<typeof notifyOptions>;

export interface Deliveries {
  /** Channels tried; zero when none is configured. */
  readonly tried: number;
  /** Why each failed channel failed. */
  readonly failures: ReadonlyArray<string>;
}

/** Sends one event through every configured channel, all at once; never throws. */
export const deliver = async (options: NotifyOptions, payload: NotifyPayload, env = process.env): Promise<Deliveries> => {
  const sends: Array<Promise<Delivery>> = [];
  const json = JSON.stringify(payload);
  if (options.webhook) sends.push(postWebhook(options.webhook, payload, options.timeout));
  if (options.command) sends.push(runArgv(options.command, json, commandEnv(env, payload, options.passEnv), options.timeout));
  if (options.desktop) {
    const argv = desktopArgv(process.platform, `codex-supervisor: ${payload.policy ?? payload.action}`, payload.message, (cmd) => Bun.which(cmd, { PATH: env.PATH ?? "" }));
    sends.push(typeof argv === "string" ? Promise.resolve(argv) : runArgv(argv, "", commandEnv(env, payload, []), options.timeout));
  }
  const results = await Promise.all(sends);
  return { tried: sends.length, failures: results.filter((r): r is string => r !== undefined) };
};

const NO_CHANNEL = "no channel configured (set desktop, webhook or command in the notify plugin's options)";

export default definePlugin({
  name: "notify",
  options: notifyOptions,
  actionOptions: { notify: z.strictObject({}) },
  actions: {
    /** Sends the policy's message; done when at least one channel delivered it (a retry would repeat it on the others). */
    notify: async (ctx) => {
      const { tried, failures } = await deliver(ctx.options, actionPayload(ctx, "notify", Date.now()));
      if (tried === 0) return { done: false, message: NO_CHANNEL };
      const sent = tried - failures.length;
      return { done: sent > 0, message: [`sent to ${sent} of ${tried} channel(s)`, ...failures].join("; ") };
    },
  },
  /** The scheduled summary through the same channels; nothing configured, nothing sent. */
  onReport: async (ctx) => {
    const { failures } = await deliver(ctx.options, reportPayload(ctx.text, ctx.at));
    if (failures.length > 0) throw new Error(failures.join("; "));
  },
});
