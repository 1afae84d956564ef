/**
 * JobEscrow events, decoded from `Program data: <base64>` log lines with Anchor's
 * own EventParser. Names and fields are camelCase, as `program.addEventListener`
 * delivers them (`escrowReleasedEvent`, `nodeAmount`).
 */
import { BorshCoder, EventParser, type IdlEvents } from "@coral-xyz/anchor";

import type { JobEscrow } from "./idl/job_escrow";
import { CAMEL_CASE_IDL, JOB_ESCROW_PROGRAM_ID } from "./program";

export type EscrowEventName = keyof IdlEvents<JobEscrow> & string;

export type EscrowEventData<N extends EscrowEventName> = IdlEvents<JobEscrow>[N];

export type EscrowEvent = {
  [N in EscrowEventName]: { name: N; data: EscrowEventData<N> };
}[EscrowEventName];

const parser = new EventParser(JOB_ESCROW_PROGRAM_ID, new BorshCoder(CAMEL_CASE_IDL));

/** Every JobEscrow event in a transaction's logs, in order. Events of CPI'd programs are skipped. */
export function parseEvents(logs: readonly string[]): EscrowEvent[] {
  return Array.from(parser.parseLogs([...logs]), (event) => event as EscrowEvent);
}

/** The data of events named `name`, typed. */
export function eventsNamed<N extends EscrowEventName>(events: readonly EscrowEvent[], name: N): EscrowEventData<N>[] {
  return events.filter((event) => event.name === name).map((event) => event.data as EscrowEventData<N>);
}
