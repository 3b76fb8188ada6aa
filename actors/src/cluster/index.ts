// Cluster: membership over heartbeats, and rendezvous hashing to give each key one owner node.
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
