import { realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";

const STICKY = 0o1000;

/**
 * Why a file that would run as this user (a config, a plugin) must not be loaded, or undefined.
 * Anyone who can rewrite it (or swap it in its folder) would run code as this user the next
 * time it loads, so the file and its folder must belong to this user or root and be writable by
 * no one else. Running as root, every folder above it counts too: a root watchdog loads no file
 * that a non-root user could replace (a sticky folder such as /tmp only lets its owner rename).
 */
export const ownershipProblem = (file: string, uid: number | undefined = process.getuid?.()): string | undefined => {
  let real: string;
  try { real = realpathSync(file); } catch { return `${file} does not exist`; }
  const places = new Set([real, dirname(real), dirname(file)]);
  if (uid === 0) for (let dir = dirname(real); dirname(dir) !== dir; dir = dirname(dir)) places.add(dirname(dir));
  for (const place of places) {
    const stats = statSync(place);
    const what = place === real ? "file" : "directory";
    const sticky = place !== real && (stats.mode & STICKY) !== 0 && place !== dirname(real);
    if ((stats.mode & 0o022) !== 0 && !sticky) {
      return `refusing to load ${file}: its ${what} ${place} is writable by others (mode ${(stats.mode & 0o777).toString(8)}; chmod go-w it)`;
    }
    if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
      return `refusing to load ${file}: its ${what} ${place} belongs to uid ${stats.uid}, not to you or root`;
    }
  }
  return undefined;
};
