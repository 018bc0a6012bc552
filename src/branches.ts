// Following every way a simulated request can go. A run makes choices (does
// this file exist, does this condition hold); each run replays a prefix of
// choices and takes the first alternative after it, so every combination is
// visited once. Shared by the nginx and Apache simulators.
import type { Branch, Outcome, SimRequest, TraceStep } from './outcome.js';

export interface Choice {
  arity: number;
  taken: number;
}

/** Runs `run(prefix)` until every choice's alternatives are followed, or `max` branches; then sums up. */
export function exploreBranches(request: SimRequest, max: number, run: (prefix: number[]) => { branch: Branch; choices: readonly Choice[] }): Outcome {
  const branches: Branch[] = [];
  const pending: number[][] = [[]];
  let truncated = false;
  while (pending.length > 0) {
    if (branches.length >= max) {
      truncated = true;
      break;
    }
    const prefix = pending.pop()!;
    const { branch, choices } = run(prefix);
    branches.push(branch);
    // Every choice this run made beyond its prefix has alternatives still to follow.
    for (let i = choices.length - 1; i >= prefix.length; i--) {
      const c = choices[i]!;
      for (let alt = c.arity - 1; alt > c.taken; alt--) {
        pending.push([...choices.slice(0, i).map((x) => x.taken), alt]);
      }
    }
  }
  return summarize(request, branches, truncated);
}

function summarize(request: SimRequest, branches: Branch[], truncated: boolean): Outcome {
  const statuses = new Set<number>();
  for (const b of branches) if (b.status !== null) statuses.add(b.status);
  const first = branches[0]!;
  const same = <K extends keyof Branch>(key: K): boolean => branches.every((b) => b.status === first.status && b[key] === first[key]);
  const allUpstream = branches.every((b) => b.producer === 'upstream');
  return {
    method: request.method,
    url: request.uri,
    status: !truncated && first.status !== null && branches.every((b) => b.status === first.status) ? first.status : null,
    possibleStatuses: [...statuses].sort((a, b) => a - b),
    cannotTell: truncated || branches.some((b) => b.cannotTell),
    producer: same('producer') || allUpstream ? first.producer : null,
    allow: first.allow,
    location: first.location,
    upstream: first.upstream,
    trace: first.trace,
    branches,
  };
}

/** Ends a branch: thrown through a run's phases and caught by `execute`, or returned by `start` (see ForkingRun). */
export class Done {
  constructor(readonly branch: Omit<Branch, 'trace' | 'assumptions' | 'cannotTell'>) {}
}

/**
 * One run of a simulator: it replays `prefix`, records its choices, and ends
 * with a Done, thrown (the Apache simulator) or returned from `start` through
 * every phase (the nginx one: a throw costs a stack capture in Node, at
 * every branch of every request).
 */
export abstract class ForkingRun {
  readonly choices: Choice[] = [];
  protected readonly trace: TraceStep[] = [];
  protected readonly assumptions: string[] = [];
  protected cannotTell = false;

  constructor(protected readonly prefix: readonly number[]) {}

  /** Runs the request until it has a Done, returned or thrown. */
  protected abstract start(): Done | void;

  execute(): Branch {
    let done: Done;
    try {
      const answer = this.start();
      if (!answer) throw new Error('unreachable: the request never ended');
      done = answer;
    } catch (e) {
      if (e instanceof Done) done = e;
      else throw e;
    }
    const b = done.branch;
    // Spelled out rather than spread: the same keys in the same order, without the spread's generic copy.
    return {
      status: b.status,
      producer: b.producer,
      allow: b.allow,
      location: b.location,
      upstream: b.upstream,
      assumptions: this.assumptions,
      cannotTell: this.cannotTell,
      trace: this.trace,
    };
  }

  /** Takes alternative `prefix[i]` at the i-th choice (the first one past the prefix), noting the assumption. */
  protected choose(arity: number, describe: (taken: number) => string, undecidable: boolean): number {
    const index = this.choices.length;
    const taken = index < this.prefix.length ? this.prefix[index]! : 0;
    this.choices.push({ arity, taken });
    this.assumptions.push(describe(taken));
    if (undecidable) this.cannotTell = true;
    return taken;
  }
}
