// A sequence's greedy tokens must not depend on what else shares its batch or its worker.
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;
let client: OpenAI;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  pool = await startTestPool(fixture);
  client = new OpenAI({ baseURL: pool.baseURL, apiKey: pool.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await pool?.stop();
  await fixture?.cleanup();
});

it("gives mixed-adapter concurrent requests the tokens they get one at a time", async () => {
  const [a, b, c] = fixture.adapters;
  const models = ["tiny", "tiny:alpha", "tiny:beta", "tiny:gamma"];
  const ensembles = [
    [
      { id: a?.id, weight: 0.5 },
      { id: c?.id, weight: 0.5 },
    ],
    [
      { id: b?.id, weight: 1.2 },
      { id: a?.id, weight: -0.4 },
    ],
  ];
  const requests = Array.from({ length: 24 }, (_, i) => {
    const prompt = Array.from({ length: 3 + (i % 7) * 5 }, (_, j) => (i * 31 + j * 7) % 500);
    const body = { prompt, temperature: 0, max_tokens: 8 + (i % 5) * 6, logprobs: 1 };
    return i % 6 < 4
      ? { ...body, model: models[i % 4] as string }
      : { ...body, model: "tiny", adapters: ensembles[i % 2] };
  });
  const send = (body: object) =>
    client.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming);
  const tokensOf = (r: OpenAI.Completion) => r.choices[0]?.logprobs?.tokens?.join("\u0001");

  const alone = [];
  for (const body of requests) alone.push(tokensOf(await send(body)));
  const together = (await Promise.all(requests.map(send))).map(tokensOf);
  expect(together).toEqual(alone);
  expect(new Set(alone).size).toBeGreaterThan(12);
  // The concurrent run spread over both workers.
  const workers = new Set(pool.records.slice(-requests.length).map((r) => r.worker));
  expect(workers.size).toBe(2);
});
