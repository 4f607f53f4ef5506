// A zombie engine: after a device fault every later step fails, so the engine reports the fault
// in `health` and the supervisor must restart it (the engine's test-only inject_fault op, served
// with TRIBUTARY_TEST_FAULTS=1, stands in for the device).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSupervisor, type Supervisor } from "../src/engine/supervisor.ts";
import { EngineError } from "../src/errors.ts";
import { ENGINE_BINARY, makeTinyFixture, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
let supervisor: Supervisor;
const logs: string[] = [];

beforeAll(async () => {
  fixture = await makeTinyFixture();
  supervisor = createSupervisor({
    binary: ENGINE_BINARY,
    modelDir: fixture.modelDir,
    count: 2,
    healthIntervalMs: 100,
    healthTimeoutMs: 2000,
    workerEnv: { TRIBUTARY_TEST_FAULTS: "1" },
    onLog: (_level, _fields, message) => logs.push(message),
  });
  await supervisor.start();
});
afterAll(async () => {
  await supervisor?.stop();
  await fixture?.cleanup();
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("supervision of a faulted engine", () => {
  it("restarts a worker whose health reports a fault, and leaves the others alone", async () => {
    const [faulty, healthy] = supervisor.slots;
    const worker = faulty?.worker;
    if (!worker || !healthy?.worker) throw new Error("workers did not start");
    const healthyPid = healthy.worker.pid;
    await worker.request("inject_fault");
    const generation = worker.generate({ prompt_tokens: [1, 2, 3], max_tokens: 8 }, () => {});
    const failure = await generation.done.then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).code).toBe("engine_fault");

    await waitFor(() => faulty.restarts === 1 && faulty.state === "ready");
    expect(faulty.worker?.pid).not.toBe(worker.pid);
    expect(logs).toContain("worker faulted: restarting it");
    const health = await faulty.worker?.health(2000);
    expect(health?.status).toBe("ok");
    const tokens: number[] = [];
    const done = await faulty.worker?.generate({ prompt_tokens: [1, 2, 3], max_tokens: 4 }, (t) =>
      tokens.push(t.token),
    ).done;
    expect(done?.finish_reason).toBe("length");
    expect(tokens).toHaveLength(4);
    expect(healthy.restarts).toBe(0);
    expect(healthy.worker?.pid).toBe(healthyPid);
  });
});
