/**
 * The entry of the standalone executable (`bun run build:binary`, bin/buildBinary.ts): the whole
 * CLI and Bun's runtime in one file, for a machine without Bun. It runs TS configs and plugins
 * like the launcher does; `codex-supervisor` and `codex-supervisor/plugin` resolve to itself.
 */
import { main } from "../src/main.ts";
import { crash, crashOnUncaught, reexecForWatch } from "./process.ts";

// In a compiled executable argv[1] is the entry's path inside the executable: the arguments follow it.
const argv = process.argv.slice(2);
reexecForWatch(argv, [process.execPath, ...argv]);
crashOnUncaught();

// No top-level await: a bytecode-compiled executable is CommonJS.
main(argv).then((code) => { process.exitCode = code; }, crash);
