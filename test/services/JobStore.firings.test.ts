/**
 * A policy firing is claimed in the database before any action runs (issue 22, point 9): of
 * watchdogs racing for one firing, exactly one may act; a retry is its own; a crashed owner's
 * unfinished firing passes to one claimant only.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import { describe, expect, test } from "vitest";
import { runChildren, withStore , withStoreDir } from "./support/jobStore.ts";

let dir: string;
let dbPath: string;
withStoreDir("jobstore-firings-", (d, p) => { dir = d; dbPath = p; });

const key = { policy: "max-runtime", subject: "job-1", firing: "once" };
const alive = () => true;
const dead = () => false;

describe("firing claims", () => {
  test("of processes racing for one firing, exactly one claims it", async () => {
    await withStore(dbPath, (s) => s.list());
    const racers = 4;
    const results = await runChildren(dir, dbPath, racers, `
      const claim = yield* store.claimFiring(${JSON.stringify(key)}, "watchdog-" + index, () => true);
      yield* Effect.promise(() => Bun.write(barrier + "/claim-" + index, claim));`);
    expect(results.filter((r) => r.code !== 0 || r.stderr !== "")).toEqual([]);
    const claims = Array.from({ length: racers }, (_, i) => readFileSync(join(dir, "barrier", `claim-${i}`), "utf8"));
    expect(claims.filter((c) => c === "claimed")).toHaveLength(1);
    expect(claims.filter((c) => c === "taken")).toHaveLength(racers - 1);
  });

  test("a retry is the owner's own; a done firing is nobody's again; another firing key is a new claim", async () => {
    const seen = await withStore(dbPath, (s) => Effect.gen(function* () {
      const first = yield* s.claimFiring(key, "a", alive);
      const retry = yield* s.claimFiring(key, "a", alive);
      const other = yield* s.claimFiring(key, "b", alive);
      yield* s.finishFiring(key, "a");
      const afterDone = yield* s.claimFiring(key, "a", alive);
      const nextWindow = yield* s.claimFiring({ ...key, firing: "every:2" }, "b", alive);
      return { first, retry, other, afterDone, nextWindow };
    }));
    expect(seen).toEqual({ first: "claimed", retry: "retry", other: "taken", afterDone: "taken", nextWindow: "claimed" });
  });

  test("an unfinished firing of an owner that is gone passes to one claimant, over two connections", async () => {
    await withStore(dbPath, (s) => s.claimFiring(key, "crashed", alive));
    // two connections (two stores) both judge the old owner dead; the compare-and-set lets one take it
    const [b, c] = await withStore(dbPath, (first) => Effect.gen(function* () {
      const taken = yield* first.claimFiring(key, "b", dead);
      const second = yield* Effect.promise(() => withStore(dbPath, (s) => s.claimFiring(key, "c", (owner) => owner === "b")));
      return [taken, second];
    }));
    expect(b).toBe("claimed");
    expect(c).toBe("taken");
  });

  test("a done firing of a crashed owner is not taken over", async () => {
    const seen = await withStore(dbPath, (s) => Effect.gen(function* () {
      yield* s.claimFiring(key, "crashed", alive);
      yield* s.finishFiring(key, "crashed");
      return yield* s.claimFiring(key, "b", dead);
    }));
    expect(seen).toBe("taken");
  });
});
