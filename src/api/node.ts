/**
 * The package entry under Node, where bun:sqlite does not exist: the same Promise API, each call
 * running the CLI with `--json` (see client.ts). Built to dist/node.js by `bun run build:node`.
 */
export { createCliSupervisor as createSupervisor, createCliSupervisor } from "./client.ts";
export type { ClientOptions } from "./client.ts";
export { isSupervisorError, SupervisorError } from "./errors.ts";
export type { SupervisorErrorTag } from "./errors.ts";
export type * from "./types.ts";
