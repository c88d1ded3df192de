import { spawn } from "node:child_process";
import type { NotifyPayload } from "./payload.ts";

/** What a channel reports: undefined when delivered, else why not. */
export type Delivery = string | undefined;

const errorText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

// The URL is not repeated in messages: a webhook URL often is itself the secret (Slack, Discord).
export const postWebhook = async (url: string, payload: NotifyPayload, timeoutMs: number): Promise<Delivery> => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "codex-supervisor" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
    await response.body?.cancel();
    return response.ok ? undefined : `webhook answered ${response.status}`;
  } catch (cause) {
    return `webhook failed: ${errorText(cause)}`;
  }
};

/**
 * Runs argv as given, no shell: the payload reaches the command only as JSON on stdin
 * and as environment variables, never spliced into an argument. It runs in its own
 * process group so a timeout ends whatever it started too.
 */
export const runArgv = (argv: ReadonlyArray<string>, stdin: string, env: Record<string, string>, timeoutMs: number): Promise<Delivery> =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) return resolve("command is empty");
    const child = spawn(file, args, { env, stdio: ["pipe", "ignore", "pipe"], detached: true, shell: false });
    let stderr = "";
    let settled = false;
    const finish = (result: Delivery) => { if (!settled) { settled = true; clearTimeout(timer); resolve(result); } };
    const timer = setTimeout(() => {
      try { process.kill(-child.pid!, "SIGKILL"); } catch { /* already gone */ }
      finish(`${file} timed out after ${timeoutMs} ms`);
    }, timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => { if (stderr.length < 2000) stderr += chunk.toString(); });
    child.once("error", (cause) => finish(`${file} could not start: ${errorText(cause)}`));
    child.once("close", (code, signal) => {
      const detail = stderr.trim().split("\n").at(-1);
      finish(code === 0 ? undefined : `${file} exited with ${signal ?? `code ${code}`}${detail ? `: ${detail}` : ""}`);
    });
    child.stdin!.on("error", () => {}); // a command that ignores stdin may exit before reading it
    child.stdin!.end(stdin);
  });

/** The desktop notifier for this platform, as argv; the texts are argv items, never script or shell source. */
export const desktopArgv = (platform: NodeJS.Platform, title: string, body: string, which: (cmd: string) => string | null): string[] | string => {
  if (platform === "darwin") {
    return ["osascript", "-e", "on run argv", "-e", "display notification (item 1 of argv) with title (item 2 of argv)", "-e", "end run", body, title];
  }
  if (!which("notify-send")) return "desktop: notify-send not found on PATH (install libnotify-bin or libnotify)";
  // "--": a message starting with "-" is text, not an option.
  return ["notify-send", "--", title, body];
};
