/**
 * Collects commit votes for one chain and turns them into commit certificates.
 *
 * Votes may arrive before this node has executed the height (a faster peer) or long after (a peer
 * catching up), so they are kept per height until a certificate forms. A certificate forms for a
 * statement once more than the quorum of hosting PCNs signed exactly that statement. If a
 * certificate forms for a statement other than this node's own, this node's execution disagrees
 * with the network: the caller halts the chain.
 */
import {
  type CommitCertificate,
  type CommitStatement,
  type CommitVote,
  canonicalString,
  commitStatement,
  type KeyInput,
  verifyCommitVote,
} from '@bsn/core';

/** What happened when a vote was added. */
export type VoteOutcome =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'pending' }
  | {
      readonly kind: 'certified';
      readonly certificate: CommitCertificate;
      readonly agreesWithOwn: boolean | null;
    };

interface HeightVotes {
  /** statement key → statement and votes by pcn */
  readonly byStatement: Map<string, { statement: CommitStatement; votes: Map<string, string> }>;
  /** pcn → statement key it voted for (a PCN votes once per height) */
  readonly voters: Map<string, string>;
  own?: string;
  certified?: CommitCertificate;
}

/** Options of a {@link VoteCollector}. */
export interface VoteCollectorOptions {
  readonly chain: string;
  /** Hosting PCNs of the chain: id → public key (or certificate PEM). */
  readonly hosts: ReadonlyMap<string, KeyInput>;
  readonly quorum: number;
}

function statementKey(s: CommitStatement): string {
  return canonicalString(commitStatement(s));
}

/** Vote pool and certificate builder of one chain. */
export class VoteCollector {
  readonly #opts: VoteCollectorOptions;
  readonly #heights = new Map<number, HeightVotes>();

  constructor(opts: VoteCollectorOptions) {
    this.#opts = opts;
  }

  get quorum(): number {
    return this.#opts.quorum;
  }

  #slot(height: number): HeightVotes {
    let slot = this.#heights.get(height);
    if (!slot) {
      slot = { byStatement: new Map(), voters: new Map() };
      this.#heights.set(height, slot);
    }
    return slot;
  }

  /** Records this node's own statement for a height (its vote is added separately). */
  setOwn(statement: CommitStatement): VoteOutcome {
    const slot = this.#slot(statement.height);
    slot.own = statementKey(statement);
    if (slot.certified) {
      return {
        kind: 'certified',
        certificate: slot.certified,
        agreesWithOwn: statementKey(slot.certified) === slot.own,
      };
    }
    return { kind: 'pending' };
  }

  /** Adds a vote (own or a peer's) after checking it is from a hosting PCN and correctly signed. */
  add(vote: CommitVote): VoteOutcome {
    if (vote.chain !== this.#opts.chain) return { kind: 'ignored', reason: 'vote for another chain' };
    const key = this.#opts.hosts.get(vote.pcn);
    if (key === undefined) return { kind: 'ignored', reason: `${vote.pcn} does not host ${vote.chain}` };
    if (!verifyCommitVote(vote, vote, key).ok)
      return { kind: 'ignored', reason: `bad signature from ${vote.pcn}` };
    const slot = this.#slot(vote.height);
    const sKey = statementKey(vote);
    const previous = slot.voters.get(vote.pcn);
    if (previous !== undefined) {
      return {
        kind: 'ignored',
        reason: previous === sKey ? 'duplicate vote' : `${vote.pcn} voted twice differently`,
      };
    }
    slot.voters.set(vote.pcn, sKey);
    let entry = slot.byStatement.get(sKey);
    if (!entry) {
      entry = { statement: commitStatement(vote), votes: new Map() };
      slot.byStatement.set(sKey, entry);
    }
    entry.votes.set(vote.pcn, vote.signature);
    if (slot.certified) return { kind: 'pending' };
    if (entry.votes.size >= this.#opts.quorum) {
      const votes = [...entry.votes.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([pcn, signature]) => ({ pcn, signature }));
      slot.certified = { ...entry.statement, votes };
      return {
        kind: 'certified',
        certificate: slot.certified,
        agreesWithOwn: slot.own === undefined ? null : slot.own === sKey,
      };
    }
    return { kind: 'pending' };
  }

  /** All votes known for a height (to answer a catching-up peer). */
  votes(height: number): CommitVote[] {
    const slot = this.#heights.get(height);
    if (!slot) return [];
    const out: CommitVote[] = [];
    for (const { statement, votes } of slot.byStatement.values()) {
      for (const [pcn, signature] of votes) out.push({ ...statement, pcn, signature });
    }
    return out;
  }

  /** The certificate formed for a height, if any. */
  certificate(height: number): CommitCertificate | undefined {
    return this.#heights.get(height)?.certified;
  }

  /** Forgets heights below `height` that are certified (they are persisted by the caller). */
  prune(height: number): void {
    for (const [h, slot] of this.#heights) if (h < height && slot.certified) this.#heights.delete(h);
  }
}
