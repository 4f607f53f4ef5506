// The standard clients, unchanged, against a real pool of real engine workers.
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;
let client: OpenAI;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  pool = await startTestPool(fixture, {
    ensembles: {
      "alpha-beta": [
        { adapter: "alpha", weight: 0.7 },
        { adapter: "beta", weight: 0.3 },
      ],
    },
  });
  client = new OpenAI({ baseURL: pool.baseURL, apiKey: pool.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await pool?.stop();
  await fixture?.cleanup();
});

const greedy = { temperature: 0, max_tokens: 12 } as const;

describe("openai client", () => {
  it("lists the base model, adapters and registered ensembles", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining(["tiny", "tiny:alpha", "tiny:beta", "tiny:gamma", "alpha-beta"]),
    );
  });

  it("completes, streaming and not, with the same greedy text and usage", async () => {
    const full = await client.completions.create({
      model: "tiny:alpha",
      prompt: "LoRA adapters",
      ...greedy,
    });
    expect(full.choices[0]?.finish_reason).toBe("length");
    expect(full.usage?.completion_tokens).toBe(12);
    let streamed = "";
    let usage: OpenAI.CompletionUsage | undefined;
    const stream = await client.completions.create({
      model: "tiny:alpha",
      prompt: "LoRA adapters",
      ...greedy,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.text ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(streamed).toBe(full.choices[0]?.text);
    expect(usage).toEqual(full.usage);
  });

  it("chats with an adapter, streaming and not", async () => {
    const messages = [
      { role: "system" as const, content: "You are terse." },
      { role: "user" as const, content: "What is a LoRA adapter?" },
    ];
    const full = await client.chat.completions.create({
      model: "tiny:beta",
      messages,
      ...greedy,
      logprobs: true,
    });
    const choice = full.choices[0];
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.logprobs?.content).toHaveLength(full.usage?.completion_tokens ?? -1);
    let streamed = "";
    for await (const chunk of await client.chat.completions.create({
      model: "tiny:beta",
      messages,
      ...greedy,
      stream: true,
    })) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(streamed).toBe(choice?.message.content);
  });

  it("serves ensembles: by registered name, and from the body, identically", async () => {
    const prompt = [5, 17, 99, 200];
    const byName = await client.completions.create({ model: "alpha-beta", prompt, ...greedy });
    const byBody = await client.completions.create({
      model: "tiny",
      prompt,
      ...greedy,
      // Extra body fields go through the client unchanged.
      adapters: [
        { id: fixture.adapters[0]?.id, weight: 0.7 },
        { id: "beta", weight: 0.3 },
      ],
    } as OpenAI.CompletionCreateParamsNonStreaming);
    const alone = await client.completions.create({ model: "tiny:alpha", prompt, ...greedy });
    expect(byBody.choices[0]?.text).toBe(byName.choices[0]?.text);
    expect(byName.choices[0]?.text).not.toBe(alone.choices[0]?.text);
  });

  it("honours stop strings and seeds", async () => {
    const base = await client.completions.create({
      model: "tiny",
      prompt: "Settlement",
      ...greedy,
      max_tokens: 20,
    });
    const text = base.choices[0]?.text ?? "";
    const stop = text.slice(5, 7);
    const stopped = await client.completions.create({
      model: "tiny",
      prompt: "Settlement",
      ...greedy,
      max_tokens: 20,
      stop,
    });
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(stopped.choices[0]?.text).toBe(text.slice(0, text.indexOf(stop)));
    const sampled = {
      model: "tiny",
      prompt: "Settlement",
      max_tokens: 16,
      temperature: 0.9,
      top_p: 0.9,
      seed: 7,
    };
    const a = await client.completions.create(sampled);
    const b = await client.completions.create(sampled);
    expect(a.choices[0]?.text).toBe(b.choices[0]?.text);
  });

  it("meters one usage record per request, naming the authenticated caller only", async () => {
    const before = pool.records.length;
    const { data, response } = await client.chat.completions
      .create(
        {
          model: "tiny:gamma",
          messages: [{ role: "user", content: "hi" }],
          ...greedy,
          user: "0xclaimed-payer",
          metadata: { payer: "0xclaimed-payer", agent: "agent-1" },
        },
        { headers: { "x-tributary-payer": "0xpayer", "x-tributary-agent": "agent-1" } },
      )
      .withResponse();
    expect(pool.records.length).toBe(before + 1);
    const record = pool.records.at(-1);
    expect(record).toMatchObject({
      requestId: response.headers.get("x-request-id"),
      completionId: data.id,
      caller: "test",
      endpoint: "chat.completions",
      model: "tiny:gamma",
      baseModel: "tiny",
      adapters: [{ id: fixture.adapters[2]?.id, weight: 1 }],
      completionTokens: 12,
      status: "ok",
    });
    expect(record?.worker).toMatch(/^worker-/);
    // Nothing a request claims about its payer reaches the record.
    expect(JSON.stringify(record)).not.toContain("0xclaimed-payer");
    expect(JSON.stringify(record)).not.toContain("0xpayer");
    expect(record).not.toHaveProperty("payer");
  });

  it("refuses tools, naming the parameter, as a BadRequestError", async () => {
    const error = await client.chat.completions
      .create({
        model: "tiny",
        messages: [{ role: "user", content: "hi" }],
        ...greedy,
        tools: [{ type: "function", function: { name: "lookup", parameters: {} } }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("tools");
  });

  it("fails authentication with a wrong key as an AuthenticationError", async () => {
    const stranger = new OpenAI({
      baseURL: pool.baseURL,
      apiKey: "tpk_not-a-key-of-this-pool",
      maxRetries: 0,
    });
    await expect(
      stranger.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "hi" }],
        ...greedy,
      }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe("LangChain ChatOpenAI", () => {
  const model = (name: string) =>
    new ChatOpenAI({
      model: name,
      apiKey: pool.apiKey,
      temperature: 0,
      maxTokens: 10,
      configuration: { baseURL: pool.baseURL },
      maxRetries: 0,
    });

  it("invokes and streams through an adapter and an ensemble", async () => {
    for (const name of ["tiny:alpha", "alpha-beta"]) {
      const reply = await model(name).invoke([
        ["system", "Be brief."],
        ["human", "Explain staking."],
      ]);
      expect(typeof reply.content).toBe("string");
      expect(reply.usage_metadata?.output_tokens).toBe(10);
      let streamed = "";
      for await (const chunk of await model(name).stream([
        ["system", "Be brief."],
        ["human", "Explain staking."],
      ])) {
        streamed += chunk.content;
      }
      expect(streamed).toBe(reply.content);
    }
  });

  it("sends its neutral defaults (n, penalties, stream usage) and the pool accepts them", async () => {
    const explicit = new ChatOpenAI({
      model: "tiny:alpha",
      apiKey: pool.apiKey,
      temperature: 0,
      maxTokens: 6,
      n: 1,
      frequencyPenalty: 0,
      presencePenalty: 0,
      topP: 1,
      logitBias: {},
      streamUsage: true,
      configuration: { baseURL: pool.baseURL },
      maxRetries: 0,
    });
    let text = "";
    let usage: number | undefined;
    for await (const chunk of await explicit.stream([["human", "Explain staking."]])) {
      text += chunk.content;
      usage = chunk.usage_metadata?.output_tokens ?? usage;
    }
    expect(usage).toBe(6);
    expect((await explicit.invoke([["human", "Explain staking."]])).content).toBe(text);
  });

  it("gets a 400 naming the parameter for a tool-bound model", async () => {
    const bound = model("tiny").bindTools([
      { type: "function", function: { name: "lookup", parameters: { type: "object" } } },
    ]);
    await expect(bound.invoke([["human", "hi"]])).rejects.toThrow(/tools/);
  });
});
