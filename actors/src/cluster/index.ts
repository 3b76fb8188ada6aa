// Cluster: membership over heartbeats, rendezvous probe ownership, config rollout and the cluster-wide event relay.
export { membership, type MembershipOptions, type MembershipMessage } from './membership.actor.js';
export {
  applyHeartbeat,
  applyLeaving,
  emptyTable,
  expireSilent,
  liveNodes,
  membersView,
  type HeartbeatOutcome,
  type MembershipTable,
  type Now,
  type PeerRecord,
  type SelfInfo,
} from './membership-table.js';
export { ownerOf, ownersOf, weightOf } from './rendezvous.js';
export { ownsProbe, probeKey, probeOwner, soloOwnership, type ProbeOwnership } from './probe-ownership.js';
export { coordinator, GetClusterLink, type ClusterLinkState, type CoordinatorArgs, type CoordinatorInbox } from './coordinator.actor.js';
export { rollout, isNewer, type ConfigCheck, type RolloutArgs, type RolloutInbox } from './rollout.actor.js';
export { eventRelay, toRelayedEvent, type EventRelayOptions, type EventRelayInbox } from './event-relay.actor.js';
