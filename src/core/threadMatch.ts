/**
 * Which Codex thread belongs to a job that ended before its thread was seen.
 *
 * Several jobs may start in one folder seconds apart, and a job whose Codex failed at once
 * starts no thread at all: "the thread nearest in time" then names a neighbour's thread.
 * What tells threads apart is the prompt (Codex titles a thread with it; the job keeps only
 * a digest of it) and, failing that, order: Codex starts threads in the order its jobs started.
 */

/** A job of the folder, as far as matching goes. */
export interface ThreadSeeker {
  readonly id: string;
  readonly createdAt: number;
  /** `promptDigest` of the job's prompt, when it was recorded. */
  readonly promptDigest?: string | undefined;
}

/** A thread Codex started in the folder. */
export interface ThreadOffer {
  readonly id: string;
  readonly createdAt: number;
  /** `promptDigest` of the thread's title (its first prompt), when Codex recorded one. */
  readonly titleDigest: string | undefined;
}

/**
 * How long after its start a program's thread may first appear in Codex's history: a job's
 * thread is sought this far after it, and a program whose thread is unknown this long after
 * its start may never have one (an idle app-server).
 */
export const THREAD_WINDOW_MS = 120_000;

/** How much earlier than its job a thread may look: the state db keeps whole seconds. */
export const THREAD_CLOCK_SLACK_MS = 2000;

/** The digest that stands for a prompt: what Codex titles a thread with, trimmed. */
export const promptDigest = (prompt: string): string =>
  new Bun.CryptoHasher("sha256").update(prompt.trim()).digest("hex");

const couldBe = (seeker: ThreadSeeker, offer: ThreadOffer): boolean =>
  offer.createdAt >= seeker.createdAt - THREAD_CLOCK_SLACK_MS &&
  !(seeker.promptDigest !== undefined && offer.titleDigest !== undefined && seeker.promptDigest !== offer.titleDigest);

/**
 * Assigns the unclaimed threads to the folder's unmapped jobs and returns the one `job` gets.
 * First the jobs whose prompt names a thread, then the rest in start order, each taking the
 * earliest thread it could have started that no earlier job took.
 */
export const matchThread = (
  job: ThreadSeeker,
  unmapped: ReadonlyArray<ThreadSeeker>,
  offers: ReadonlyArray<ThreadOffer>,
): ThreadOffer | undefined => {
  const seekers = [...new Map([job, ...unmapped].map((s) => [s.id, s])).values()].sort((a, b) => a.createdAt - b.createdAt);
  const free = [...offers].sort((a, b) => a.createdAt - b.createdAt);
  const taken = new Map<string, ThreadOffer>();
  const take = (seeker: ThreadSeeker, pick: (offer: ThreadOffer) => boolean) => {
    const index = free.findIndex((offer) => couldBe(seeker, offer) && pick(offer));
    if (index < 0) return;
    taken.set(seeker.id, free[index]!);
    free.splice(index, 1);
  };
  for (const seeker of seekers) {
    if (seeker.promptDigest !== undefined) take(seeker, (offer) => offer.titleDigest === seeker.promptDigest);
  }
  for (const seeker of seekers) if (!taken.has(seeker.id)) take(seeker, () => true);
  return taken.get(job.id);
};
