import type { Database } from "bun:sqlite";

/** One firing of a policy for a subject: `firing` tells a repeating policy's firings apart. */
export interface FiringKey {
  readonly policy: string;
  readonly subject: string;
  readonly firing: string;
}

/**
 * `claimed`: this owner may act; `retry`: it claimed this firing before and it is not done
 * (its own retry); `taken`: another owner claimed it (and is alive) or it is done.
 */
export type ClaimResult = "claimed" | "retry" | "taken";

/**
 * Claims a firing for `owner`, atomically: the primary key lets one INSERT win. An unfinished
 * firing of an owner that is gone (a watchdog that crashed mid-action) passes to the claimant,
 * by a compare-and-set on the old owner, so two claimants cannot both take it over.
 */
export const claimFiring = (
  db: Database,
  key: FiringKey,
  owner: string,
  at: number,
  ownerAlive: (owner: string) => boolean,
): ClaimResult =>
  db.transaction((): ClaimResult => {
    const params = { ...key, owner, at };
    const inserted = db.query(
      "INSERT OR IGNORE INTO firings (policy, subject, firing, owner, claimed_at) VALUES ($policy, $subject, $firing, $owner, $at)",
    ).run(params).changes;
    if (inserted > 0) return "claimed";
    const row = db.query<{ owner: string; done_at: number | null }, Record<string, string>>(
      "SELECT owner, done_at FROM firings WHERE policy = $policy AND subject = $subject AND firing = $firing",
    ).get({ policy: key.policy, subject: key.subject, firing: key.firing });
    if (!row || row.done_at !== null) return "taken";
    if (row.owner === owner) return "retry";
    if (ownerAlive(row.owner)) return "taken";
    const moved = db.query(
      "UPDATE firings SET owner = $owner, claimed_at = $at WHERE policy = $policy AND subject = $subject AND firing = $firing AND owner = $old AND done_at IS NULL",
    ).run({ ...params, old: row.owner }).changes;
    return moved > 0 ? "claimed" : "taken";
  }).immediate();

/** Marks a firing done (every action of it done), so nobody claims it again. */
export const finishFiring = (db: Database, key: FiringKey, owner: string, at: number): void => {
  db.query("UPDATE firings SET done_at = $at WHERE policy = $policy AND subject = $subject AND firing = $firing AND owner = $owner")
    .run({ ...key, owner, at });
};
