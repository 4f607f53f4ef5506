// The last N usage records, signed, by (caller, request id): what `GET /v1/usage/:requestId`
// answers, and what makes a request id unique per caller. An id is reserved when its request
// is admitted, so two concurrent requests with one id cannot both run; the oldest entries are
// forgotten past `capacity` (the JSONL sink keeps everything).
import { randomUUID } from "node:crypto";
import type { LocalAccount } from "viem";
import { ConflictError, InvalidRequestError } from "../errors.ts";
import { type SignedUsageRecord, signUsageRecord, type UsageRecord } from "./usage.ts";

export const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface UsageLedger {
  readonly signer: LocalAccount;
  /** The request's id (`supplied`, validated, or a fresh one), reserved for `caller`. */
  reserve(caller: string, supplied: string | undefined): string;
  /** Forgets a reservation that never got a record (the request failed validation). */
  release(caller: string, requestId: string): void;
  /** Signs and keeps `record`; synchronous up to the signature, which the entry awaits. */
  add(record: UsageRecord): Promise<SignedUsageRecord>;
  /** The signed record of `caller`'s request, once it has one. */
  get(caller: string, requestId: string): Promise<SignedUsageRecord | undefined>;
  readonly size: number;
}

type Entry = { state: "reserved" } | { state: "recorded"; signed: Promise<SignedUsageRecord> };

export function createUsageLedger(options: {
  signer: LocalAccount;
  capacity?: number;
}): UsageLedger {
  const capacity = options.capacity ?? 100_000;
  const entries = new Map<string, Entry>();
  const key = (caller: string, requestId: string) => `${caller}\u0000${requestId}`;

  return {
    signer: options.signer,
    reserve(caller, supplied) {
      if (supplied !== undefined && !REQUEST_ID.test(supplied)) {
        throw new InvalidRequestError(
          "`x-request-id` must be 1-128 of [A-Za-z0-9_.:-]",
          "x-request-id",
          "invalid_request_id",
        );
      }
      const requestId = supplied ?? `req-${randomUUID()}`;
      const k = key(caller, requestId);
      if (entries.has(k)) {
        throw new ConflictError(
          `request id ${requestId} was already used by this caller`,
          "request_id_conflict",
          "x-request-id",
        );
      }
      entries.set(k, { state: "reserved" });
      while (entries.size > capacity) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      return requestId;
    },
    release(caller, requestId) {
      const k = key(caller, requestId);
      if (entries.get(k)?.state === "reserved") entries.delete(k);
    },
    add(record) {
      const signed = signUsageRecord(options.signer, record);
      const k = key(record.caller, record.requestId);
      // Re-inserted at the end: the eviction order is the order records were completed in.
      entries.delete(k);
      entries.set(k, { state: "recorded", signed });
      return signed;
    },
    async get(caller, requestId) {
      const entry = entries.get(key(caller, requestId));
      return entry?.state === "recorded" ? entry.signed : undefined;
    },
    get size() {
      return entries.size;
    },
  };
}
