/**
 * Automatic assignment, the pure part: who may take a ticket now (`whyIneligible`), who gets a new ticket by
 * the group's strategy (`chooseAgent`), and which queued tickets an agent takes when they free up
 * (`ticketsForAgent`). The I/O (reading agents, the conditional write on the agent's load, storing the
 * rotation cursor) lives with the use cases.
 */
export {
  type BackfillGroup,
  type BackfillInput,
  backfillReason,
  groupSkills,
  type QueuedTicket,
  ticketsForAgent,
} from './backfill.ts';
export {
  INELIGIBILITY_KINDS,
  type Ineligibility,
  type IneligibilityKind,
  ineligibility,
  isEligible,
  isOnShift,
  summariseIneligibility,
  whyIneligible,
} from './eligibility.ts';
export {
  chooseAgent,
  compareLoad,
  groupMembers,
  type RoutingDecision,
  type RoutingInput,
  type RoutingTicket,
  requiredSkills,
  rotationOrder,
  skillKey,
} from './strategies.ts';
