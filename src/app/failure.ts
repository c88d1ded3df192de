import { jsonStderr, stderr } from "./output.ts";

/**
 * How a failed command says why: a line for a person, or under `--json` one JSON object on
 * stderr, `{"error":{"code":"JobNotFound","message":"…"}}` (docs/json.md). The exit code is the
 * same either way.
 */
let asJson = false;

/** Set once by main when the command line asks for `--json`. */
export const reportErrorsAsJson = (on: boolean): void => {
  asJson = on;
};

/** What went wrong: `code` names the kind of error (a tagged error's tag), `message` says it for a person. */
export const reportFailure = (code: string, message: string, who = "codex-supervisor"): void => {
  if (asJson) jsonStderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else stderr.write(`${who}: ${message}\n`);
};
