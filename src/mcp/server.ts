import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import pkg from "../../package.json" with { type: "json" };
import { registerDoctor } from "./doctor.ts";
import { registerKill } from "./kill.ts";
import { registerLogs } from "./logs.ts";
import { registerResume } from "./resume.ts";
import type { ServerContext } from "./run.ts";
import { registerStart } from "./start.ts";
import { registerStatus } from "./status.ts";

/**
 * The MCP door into the core: each tool is a thin adapter that runs the same use case the
 * CLI command runs, on settings resolved for that call. The server itself holds no job state.
 */
export const createServer = (context: ServerContext): McpServer => {
  const server = new McpServer(
    { name: "codex-supervisor", version: pkg.version },
    { instructions: "Launch, see, read, resume and kill OpenAI Codex (`codex exec`) jobs; codex_status shows every Codex process on the machine." },
  );
  registerStatus(server, context);
  registerStart(server, context);
  registerResume(server, context);
  registerLogs(server, context);
  registerKill(server, context);
  registerDoctor(server, context);
  return server;
};

/** Serves MCP on stdin/stdout until the client closes stdin (or the process is signalled). */
export const serveStdio = async (context: ServerContext): Promise<void> => {
  const server = createServer(context);
  const closed = new Promise<void>((resolve) => { server.server.onclose = () => resolve(); });
  await server.connect(new StdioServerTransport());
  process.stdin.once("end", () => { void server.close(); });
  await closed;
};
