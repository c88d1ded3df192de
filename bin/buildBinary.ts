/**
 * `bun run build:binary [--outfile PATH] [--target bun-linux-x64|bun-darwin-arm64|…]`: the CLI as one
 * executable with Bun inside (`bun build --compile`), for people without Bun. Without --target it
 * is for this machine; another target makes Bun download that platform's runtime (docs/install.md).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./bundle.ts";

const { values } = parseArgs({
  options: { outfile: { type: "string", default: join(ROOT, "dist", "codex-supervisor") }, target: { type: "string" } },
});

const command = [
  process.execPath, "build", "--compile", "--bytecode", "--minify-whitespace", "--minify-syntax",
  ...(values.target ? [`--target=${values.target}`] : []),
  join(ROOT, "bin", "binary.ts"), "--outfile", values.outfile,
];
const built = Bun.spawnSync(command, { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
if (built.exitCode !== 0) process.exit(built.exitCode ?? 1);
process.stdout.write(`${values.outfile}\n`);
