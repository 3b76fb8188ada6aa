// Config rollout across the cluster: propose, every live member votes, then commit or abort, so no version is half-applied.
import {
  ClusterNodeJoined,
  ConfigAbort,
  ConfigCommit,
  ConfigCommitApplied,
  ConfigCurrent,
  ConfigCurrentRequested,
  ConfigProposed,
  ConfigVote,
  GetClusterConfigState,
  PushClusterConfig,
  defineActor,
  defineMessage,
  nextId,
  type ActorContext,
  type Cancellable,
  type ConfigProblemWire,
  type MessageOf,
  type RolloutNodeResult,
  type RolloutResult,
  type Snapshot,
} from '@switchyard/core';
import { z } from 'zod';

/** A config as written, checked by this node: the validated config, or every problem. */
export type ConfigCheck = (raw: unknown) => { ok: true; config: unknown } | { ok: false; problems: ConfigProblemWire[] };

export interface RolloutArgs {
  /** Validation plus this node's own checks (what it cannot serve, certificates, the cluster name). */
  readonly check: ConfigCheck;
  /** Applies a config `check` accepted; rejects (with `problems`) when the node cannot. */
  readonly apply: (config: unknown, source: string) => Promise<void>;
  /** The live members (this node included): the voters of a proposal made here. */
  readonly members: Snapshot<readonly string[]>;
  /** How long a proposer waits for every vote. Default 5000 ms. */
  readonly voteTimeoutMs?: number;
  /** How long a proposer waits, after a commit, for every node to report its apply. Default 15000 ms. */
  readonly applyTimeoutMs?: number;
}

/** The committed cluster version a node serves. */
interface Committed {
  readonly version: number;
  readonly proposal: string;
  readonly config: unknown;
  readonly source: string;
  readonly committedAt: number;
}

/** A peer's (or this node's) proposal this node acked and holds until commit or abort. */
interface Held {
  readonly proposal: string;
  readonly node: string;
  readonly version: number;
  readonly raw: unknown;
  readonly config: unknown;
  readonly source: string;
  readonly expiry: Cancellable;
}

/** A proposal made here, and what its voters said. */
interface Proposing {
  readonly proposal: string;
  readonly version: number;
  readonly voters: readonly string[];
  readonly votes: Map<string, { isAck: boolean; problems: ConfigProblemWire[] }>;
  readonly applied: Map<string, { isApplied: boolean; problems: ConfigProblemWire[] }>;
  phase: 'voting' | 'applying';
  readonly startedAt: number;
  readonly reply: (result: RolloutResult) => void;
  timer: Cancellable;
}

const VoteTimeout = defineMessage('rollout.vote-timeout', { proposal: z.string() });
const ApplyTimeout = defineMessage('rollout.apply-timeout', { proposal: z.string() });
const HeldExpired = defineMessage('rollout.held-expired', { proposal: z.string() });
const Applied = defineMessage('rollout.applied', {
  committed: z.custom<Committed>(),
  isCommit: z.boolean(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

type In =
  | PushClusterConfig
  | GetClusterConfigState
  | ConfigProposed
  | ConfigVote
  | ConfigCommit
  | ConfigAbort
  | ConfigCommitApplied
  | ConfigCurrent
  | ConfigCurrentRequested
  | ClusterNodeJoined
  | MessageOf<typeof VoteTimeout>
  | MessageOf<typeof ApplyTimeout>
  | MessageOf<typeof HeldExpired>
  | MessageOf<typeof Applied>;
/** What the rollout actor accepts. */
export type RolloutInbox = In;

interface RolloutState {
  readonly args: RolloutArgs;
  readonly committed: Committed | undefined;
  readonly held: Held | undefined;
  readonly proposing: Proposing | undefined;
  /** A catch-up apply in progress (proposal id), so duplicate announcements do not apply twice. */
  readonly catchingUp: string | undefined;
}

/**
 * Two-phase config rollout. `cluster.push-config` (an ask) validates here, then publishes
 * `config.proposed` to the live members; each one (this node too) validates the config as written
 * with its own checks and answers `config.vote`, holding an acked proposal. When every voter acked
 * within `voteTimeoutMs` the proposer sends `config.commit` and each node applies what it holds and
 * reports `config.commit-applied`; on any nack or silence it sends `config.abort` with every
 * node's reasons and nobody applies anything. One proposal at a time: a node holding one nacks
 * another. A node that joins (or rejoins after a split) is sent the newest committed version by
 * its peers (`config.current`) and applies it.
 */
export const rollout = defineActor<RolloutState, In, RolloutArgs>({
  name: 'rollout',
  init(args, ctx) {
    for (const type of [ConfigProposed, ConfigVote, ConfigCommit, ConfigAbort, ConfigCommitApplied] as const) {
      ctx.subscribeToSelf(ctx.bus.on(type as typeof ConfigProposed), (m) => m as In);
    }
    ctx.subscribeToSelf(ctx.bus.on(ConfigCurrent), (m) => (m.node === ctx.node ? undefined : m));
    ctx.subscribeToSelf(ctx.bus.on(ConfigCurrentRequested), (m) => (m.node === ctx.node ? undefined : m));
    ctx.subscribeToSelf(ctx.bus.on(ClusterNodeJoined), (m) => m);
    ctx.emit(ConfigCurrentRequested.make({ node: ctx.node, version: 0 }));
    return { args, committed: undefined, held: undefined, proposing: undefined, catchingUp: undefined };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'cluster.push-config':
        return push(state, message, ctx);
      case 'cluster.get-config-state': {
        const { committed, held } = state;
        ctx.reply(GetClusterConfigState, {
          version: committed?.version ?? 0,
          ...(committed === undefined ? {} : { proposal: committed.proposal, source: committed.source, committedAt: committed.committedAt }),
          ...(held === undefined ? {} : { pending: held.proposal }),
        });
        return;
      }
      case 'config.proposed':
        return vote(state, message, ctx);
      case 'config.vote':
        return countVote(state, message, ctx);
      case 'rollout.vote-timeout':
        if (state.proposing?.proposal !== message.proposal || state.proposing.phase !== 'voting') return;
        return decide(state, state.proposing, ctx);
      case 'config.commit': {
        const held = state.held;
        if (held === undefined || held.proposal !== message.proposal) {
          // Missed the proposal (joined late, or a lost frame): say so, and catch up from a peer.
          if (message.version > (state.committed?.version ?? 0)) {
            ctx.emit(ConfigCommitApplied.make({ proposal: message.proposal, node: ctx.node, version: state.committed?.version ?? 0, isApplied: false, problems: [{ path: '', message: 'this node never held the proposal' }] }));
            ctx.emit(ConfigCurrentRequested.make({ node: ctx.node, version: state.committed?.version ?? 0 }));
          }
          return;
        }
        held.expiry.cancel();
        const committed: Committed = { version: held.version, proposal: held.proposal, config: held.raw, source: held.source, committedAt: message.at };
        applyCommitted(state, committed, held.config, true, ctx);
        return { ...state, held: undefined };
      }
      case 'config.abort':
        if (state.held?.proposal !== message.proposal) return;
        state.held.expiry.cancel();
        return { ...state, held: undefined };
      case 'rollout.held-expired':
        return state.held?.proposal === message.proposal ? { ...state, held: undefined } : undefined;
      case 'rollout.applied': {
        const { committed, isCommit, problems } = message;
        const isApplied = problems === undefined;
        if (isCommit) {
          ctx.emit(ConfigCommitApplied.make({ proposal: committed.proposal, node: ctx.node, version: committed.version, isApplied, problems: problems ?? [] }));
        }
        const next = { ...state, catchingUp: state.catchingUp === committed.proposal ? undefined : state.catchingUp };
        return isApplied && isNewer(committed, state.committed) ? { ...next, committed } : next;
      }
      case 'config.commit-applied': {
        const proposing = state.proposing;
        if (proposing === undefined || proposing.proposal !== message.proposal || proposing.phase !== 'applying') return;
        proposing.applied.set(message.node, { isApplied: message.isApplied, problems: message.problems });
        if (proposing.voters.every((v) => proposing.applied.has(v))) return finish(state, proposing, ctx);
        return;
      }
      case 'rollout.apply-timeout':
        if (state.proposing?.proposal !== message.proposal) return;
        return finish(state, state.proposing, ctx);
      case 'cluster.node-joined':
        if (state.committed !== undefined) ctx.emit(currentOf(state.committed, ctx.node));
        return;
      case 'config.current-requested':
        if (state.committed !== undefined && state.committed.version > message.version) ctx.emit(currentOf(state.committed, ctx.node));
        return;
      case 'config.current':
        return catchUp(state, message, ctx);
    }
  },
});

type Ctx = ActorContext<In>;

function push(state: RolloutState, message: PushClusterConfig, ctx: Ctx): RolloutState | void {
  const reply = ctx.deferReply(PushClusterConfig);
  if (reply === undefined) return;
  const startedAt = ctx.clock.monotonic();
  const refuse = (problems: ConfigProblemWire[]): void =>
    reply({ proposal: '-', version: state.committed?.version ?? 0, isCommitted: false, nodes: [{ node: ctx.node, vote: 'nack', applied: 'not-committed', problems }], durationMs: ctx.clock.monotonic() - startedAt });
  const busy = state.proposing?.proposal ?? state.held?.proposal;
  if (busy !== undefined) return refuse([{ path: '', message: `another config rollout is in progress (proposal ${busy})` }]);
  // Proposed even when this node would refuse it: every node then votes, and the report has each one's reasons.
  const version = (state.committed?.version ?? 0) + 1;
  const proposal = nextId();
  const voters = [...new Set([...state.args.members.current, ctx.node])].sort();
  const timeoutMs = state.args.voteTimeoutMs ?? 5000;
  const proposing: Proposing = {
    proposal,
    version,
    voters,
    votes: new Map(),
    applied: new Map(),
    phase: 'voting',
    startedAt,
    reply,
    timer: ctx.schedule(timeoutMs, VoteTimeout.make({ proposal })),
  };
  ctx.emit(ConfigProposed.make({ proposal, node: ctx.node, version, config: message.config, source: message.source, voters }));
  return { ...state, proposing };
}

function vote(state: RolloutState, message: ConfigProposed, ctx: Ctx): RolloutState | void {
  const nack = (problems: ConfigProblemWire[]): void => ctx.emit(ConfigVote.make({ proposal: message.proposal, node: ctx.node, isAck: false, problems }));
  if (!message.voters.includes(ctx.node)) return;
  const serving = state.committed?.version ?? 0;
  if (message.version <= serving) return nack([{ path: '', message: `cluster config version ${message.version} is not newer than the version this node serves (${serving})` }]);
  if (state.held !== undefined && state.held.proposal !== message.proposal) {
    return nack([{ path: '', message: `another config rollout is in progress (proposal ${state.held.proposal} from ${state.held.node})` }]);
  }
  if (state.proposing !== undefined && state.proposing.proposal !== message.proposal) {
    return nack([{ path: '', message: `this node is proposing another config (proposal ${state.proposing.proposal})` }]);
  }
  const checked = state.args.check(message.config);
  if (!checked.ok) return nack(checked.problems);
  // Held until commit or abort; a proposer that dies in between must not block this node for ever.
  const holdMs = (state.args.voteTimeoutMs ?? 5000) + (state.args.applyTimeoutMs ?? 15_000);
  const held: Held = {
    proposal: message.proposal,
    node: message.node,
    version: message.version,
    raw: message.config,
    config: checked.config,
    source: `cluster v${message.version} from ${message.node}: ${message.source}`,
    expiry: ctx.schedule(holdMs, HeldExpired.make({ proposal: message.proposal })),
  };
  ctx.emit(ConfigVote.make({ proposal: message.proposal, node: ctx.node, isAck: true, problems: [] }));
  return { ...state, held };
}

function countVote(state: RolloutState, message: ConfigVote, ctx: Ctx): RolloutState | void {
  const proposing = state.proposing;
  if (proposing === undefined || proposing.proposal !== message.proposal || proposing.phase !== 'voting') return;
  if (!proposing.voters.includes(message.node)) return;
  proposing.votes.set(message.node, { isAck: message.isAck, problems: message.problems });
  // Decided when every vote is in (or at the timeout), so an abort reports every node's reasons.
  if (proposing.voters.every((v) => proposing.votes.has(v))) return decide(state, proposing, ctx);
}

function decide(state: RolloutState, proposing: Proposing, ctx: Ctx): RolloutState | void {
  proposing.timer.cancel();
  const isAllAck = proposing.voters.every((v) => proposing.votes.get(v)?.isAck === true);
  if (isAllAck) {
    proposing.phase = 'applying';
    proposing.timer = ctx.schedule(state.args.applyTimeoutMs ?? 15_000, ApplyTimeout.make({ proposal: proposing.proposal }));
    ctx.emit(ConfigCommit.make({ proposal: proposing.proposal, node: ctx.node, version: proposing.version, at: ctx.clock.now() }));
    return;
  }
  const timeoutMs = state.args.voteTimeoutMs ?? 5000;
  const refusals = proposing.voters.flatMap((node) => {
    const v = proposing.votes.get(node);
    if (v === undefined) return [{ node, problems: [{ path: '', message: `no vote within ${timeoutMs} ms` }] }];
    return v.isAck ? [] : [{ node, problems: v.problems }];
  });
  ctx.emit(ConfigAbort.make({ proposal: proposing.proposal, node: ctx.node, refusals }));
  return finish(state, proposing, ctx);
}

function finish(state: RolloutState, proposing: Proposing, ctx: Ctx): RolloutState {
  proposing.timer.cancel();
  const isCommitted = proposing.phase === 'applying';
  const nodes: RolloutNodeResult[] = proposing.voters.map((node) => {
    const v = proposing.votes.get(node);
    const a = proposing.applied.get(node);
    const problems = [...(v?.isAck === false ? v.problems : []), ...(a?.isApplied === false ? a.problems : [])];
    if (v === undefined && !isCommitted) problems.push({ path: '', message: `no vote within ${state.args.voteTimeoutMs ?? 5000} ms` });
    return {
      node,
      vote: v === undefined ? 'none' : v.isAck ? 'ack' : 'nack',
      applied: !isCommitted ? 'not-committed' : a === undefined ? 'unknown' : a.isApplied ? 'applied' : 'failed',
      problems,
    };
  });
  proposing.reply({ proposal: proposing.proposal, version: proposing.version, isCommitted, nodes, durationMs: ctx.clock.monotonic() - proposing.startedAt });
  return { ...state, proposing: undefined };
}

function applyCommitted(state: RolloutState, committed: Committed, config: unknown, isCommit: boolean, ctx: Ctx): void {
  ctx.pipeToSelf(
    state.args.apply(config, committed.source),
    () => Applied.make({ committed, isCommit }),
    (error) => Applied.make({ committed, isCommit, problems: problemsOf(error) }),
  );
}

function catchUp(state: RolloutState, message: ConfigCurrent, ctx: Ctx): RolloutState | void {
  const offered: Committed = { version: message.version, proposal: message.proposal, config: message.config, source: message.source, committedAt: message.committedAt };
  if (!isNewer(offered, state.committed) || state.catchingUp === message.proposal) return;
  if (state.proposing !== undefined || state.held !== undefined) return;
  const checked = state.args.check(message.config);
  if (!checked.ok) return;
  applyCommitted(state, offered, checked.config, false, ctx);
  return { ...state, catchingUp: message.proposal };
}

function currentOf(committed: Committed, node: string): ConfigCurrent {
  return ConfigCurrent.make({ node, version: committed.version, proposal: committed.proposal, config: committed.config, source: committed.source, committedAt: committed.committedAt });
}

/** Whether `a` is a later committed version than `b`: by number, then (after a split) by commit time and id. */
export function isNewer(a: Pick<Committed, 'version' | 'proposal' | 'committedAt'>, b: Pick<Committed, 'version' | 'proposal' | 'committedAt'> | undefined): boolean {
  if (b === undefined) return true;
  if (a.version !== b.version) return a.version > b.version;
  if (a.proposal === b.proposal) return false;
  return a.committedAt !== b.committedAt ? a.committedAt > b.committedAt : a.proposal > b.proposal;
}

function problemsOf(error: unknown): ConfigProblemWire[] {
  const problems = (error as { problems?: readonly { path?: unknown; message?: unknown }[] }).problems;
  if (Array.isArray(problems) && problems.length > 0) return problems.map((p) => ({ path: String(p.path ?? ''), message: String(p.message ?? '') }));
  return [{ path: '', message: error instanceof Error ? error.message : String(error) }];
}
