import { SYSTEMD_UNIT } from "../../core/service/systemd.ts";
import type { ServiceState } from "../../services/ServiceManager.ts";
import { type DoctorCheck, fail, ok, warn } from "./check.ts";

/** What ServiceManager.status says. */
export type ServiceFacts = ServiceState;

const SERVICE = { id: "watchdog.service", title: "watchdog service" };
const INSTALL = "codex-supervisor service install";

const logs = (kind: ServiceFacts["kind"]) =>
  kind === "systemd" ? `journalctl --user -u ${SYSTEMD_UNIT}` : "the log named in the agent's plist";

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";

export const judgeService = (f: ServiceFacts): DoctorCheck => {
  if (!f.installed) {
    return warn({ ...SERVICE, detail: `not installed (no ${f.path}): policies apply only while \`codex-supervisor watch\` runs` }, INSTALL);
  }
  // Checked before asking whether it runs: a running watchdog whose command is gone will not start again.
  if (f.missing.length > 0) {
    return fail({ ...SERVICE, detail: `${f.path} runs ${f.missing.join(", ")}, which no longer exists (moved, upgraded or uninstalled?)` },
      `${INSTALL} (from the codex-supervisor you use now)`);
  }
  if (f.running === null) {
    return warn({ ...SERVICE, detail: `installed at ${f.path}, but ${f.kind} could not be asked whether it runs: ${firstLine(f.detail)}` },
      f.kind === "systemd" ? "run doctor in a login session, where the systemd user manager is reachable" : undefined);
  }
  if (!f.running) {
    return fail({ ...SERVICE, detail: `installed at ${f.path} but not running (${firstLine(f.detail)}): no policy is applied` },
      `${INSTALL} (it restarts the service); if it stops again, see ${logs(f.kind)}`);
  }
  if (f.upToDate === false) {
    return warn({ ...SERVICE, detail: `running, but ${f.path} differs from what install writes now (a moved checkout, bun or codex?)` }, INSTALL);
  }
  return ok({ ...SERVICE, detail: `installed and running (${f.path})` });
};
