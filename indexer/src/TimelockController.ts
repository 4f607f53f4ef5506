import { timelockCall, timelockOperation } from "ponder:schema";
import { timelockControllerAbi } from "@tributary/contracts/abis";
import { indexContract } from "./lib/log-event.ts";
import { created, touched } from "./lib/meta.ts";
import { roleHandlers, setParam } from "./lib/roles.ts";

indexContract("TimelockController", timelockControllerAbi, {
  ...roleHandlers("TimelockController"),
  // One CallScheduled per call of the operation (index 0..n-1).
  CallScheduled: async ({ event, context }) => {
    const { id, index, target, value, data, predecessor, delay } = event.args;
    await context.db.insert(timelockCall).values({
      timelockOperationId: id,
      index,
      target,
      value,
      data,
      executed: false,
      ...created(event),
    });
    await context.db
      .insert(timelockOperation)
      .values({
        id,
        status: "Scheduled",
        callCount: 1,
        executedCalls: 0,
        predecessor,
        delay,
        ...created(event),
      })
      .onConflictDoUpdate((row) => ({ callCount: row.callCount + 1, ...touched(event) }));
  },
  CallSalt: async ({ event, context }) => {
    await context.db
      .update(timelockOperation, { id: event.args.id })
      .set({ salt: event.args.salt, ...touched(event) });
  },
  CallExecuted: async ({ event, context }) => {
    const { id, index } = event.args;
    await context.db
      .update(timelockCall, { timelockOperationId: id, index })
      .set({ executed: true, ...touched(event) });
    await context.db.update(timelockOperation, { id }).set((row) => {
      const executedCalls = row.executedCalls + 1;
      return {
        executedCalls,
        status: executedCalls === row.callCount ? "Executed" : row.status,
        ...touched(event),
      };
    });
  },
  Cancelled: async ({ event, context }) => {
    await context.db
      .update(timelockOperation, { id: event.args.id })
      .set({ status: "Cancelled", ...touched(event) });
  },
  MinDelayChange: async ({ event, context }) =>
    setParam(context, event, "TimelockController", "minDelay", event.args.newDuration),
});
