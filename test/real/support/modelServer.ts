/**
 * The one fake in the real-Codex tests: a loopback stand-in for the model API.
 * It answers Codex's streamed `/v1/responses` calls from directives written in
 * the prompt itself, so each test says what its job does in plain words:
 *
 *   RUN: <shell command>   one exec_command call per RUN line, in order
 *   REPLY: <text>          the final agent message (default "done")
 *   STALL: <seconds>       wait this long before answering each request
 *   HOLD: <seconds>        wait this long before the final reply, once every RUN was handed out:
 *                          the job runs on with its tools' processes alive (Codex hands a long
 *                          command back after 10 s and would end its turn)
 */
import type { Server } from "bun";

interface InputItem {
  readonly type?: string;
  readonly role?: string;
  readonly content?: ReadonlyArray<{ readonly type?: string; readonly text?: string }>;
}

export interface ModelServer {
  readonly url: string;
  readonly port: number;
  readonly requests: number;
  stop(): Promise<void>;
}

const userText = (item: InputItem): string =>
  (item.content ?? []).map((c) => c.text ?? "").join("\n");

const isPrompt = (item: InputItem): boolean =>
  item.type === "message" && item.role === "user" && !userText(item).trimStart().startsWith("<");

const directives = (prompt: string) => {
  const runs: string[] = [];
  let reply = "done";
  let stallMs = 0;
  let holdMs = 0;
  for (const line of prompt.split("\n")) {
    const m = /^\s*(RUN|REPLY|STALL|HOLD):\s?(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "RUN") runs.push(m[2]!);
    else if (m[1] === "REPLY") reply = m[2]!;
    else if (m[1] === "STALL") stallMs = Number(m[2]) * 1000;
    else holdMs = Number(m[2]) * 1000;
  }
  return { runs, reply, stallMs, holdMs };
};

const sse = (events: ReadonlyArray<Record<string, unknown>>): string =>
  events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join("");

const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 };

export const startModelServer = (): ModelServer => {
  let requests = 0;
  let counter = 0;
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (req.method !== "POST" || !new URL(req.url).pathname.endsWith("/responses")) {
        return new Response(JSON.stringify({ data: [] }), { headers: { "content-type": "application/json" } });
      }
      requests++;
      const body = (await req.json()) as { input?: ReadonlyArray<InputItem> };
      const input = body.input ?? [];
      let promptAt = -1;
      input.forEach((item, i) => { if (isPrompt(item)) promptAt = i; });
      const { runs, reply, stallMs, holdMs } = directives(promptAt >= 0 ? userText(input[promptAt]!) : "");
      const done = input.slice(promptAt + 1).filter((i) => i.type === "function_call_output").length;
      if (stallMs > 0) await Bun.sleep(stallMs);
      if (holdMs > 0 && done >= runs.length) await Bun.sleep(holdMs);
      const id = `resp_${++counter}`;
      const item = done < runs.length
        ? { type: "function_call", name: "exec_command", arguments: JSON.stringify({ cmd: runs[done] }), call_id: `call_${counter}` }
        : { type: "message", role: "assistant", id: `msg_${counter}`, content: [{ type: "output_text", text: reply }] };
      return new Response(sse([
        { type: "response.created", response: { id } },
        { type: "response.output_item.done", item },
        { type: "response.completed", response: { id, usage } },
      ]), { headers: { "content-type": "text/event-stream" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    port: server.port ?? 0,
    get requests() { return requests; },
    stop: () => server.stop(true),
  };
};

/** The CODEX_HOME config.toml that points Codex at this stand-in (codex-facts: "without a network"). */
export const codexConfigFor = (model: ModelServer): string => [
  `model = "mock-model"`,
  `model_provider = "mock"`,
  `[model_providers.mock]`,
  `name = "mock"`,
  `base_url = "${model.url}"`,
  `wire_api = "responses"`,
  ``,
].join("\n");
