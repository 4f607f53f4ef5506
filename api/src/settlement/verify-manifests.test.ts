// verify-root's training manifests: fetched by hash and checked against it; a 404 credits
// nobody; bytes that do not hash to the name, or an unreachable API, are refused by kind.
import { canonicalJsonHash } from "@tributary/contracts";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { addr } from "../payouts/receipt-fixture.ts";
import { fetchTrainingAttribution, ManifestUnverifiable } from "./verify-manifests.ts";

const manifest = {
  version: 2,
  attribution: {
    contributions: [
      { id: "1", contributor: addr(0xc).toLowerCase(), influence: "0.2", weightPpm: 1_000_000 },
    ],
  },
};
const hash = canonicalJsonHash(manifest);
const missing = `0x${"ab".repeat(32)}`;

function serve(body: (name: string) => Response | undefined): typeof fetch {
  return (async (url: string | URL) => {
    const name = String(url).split("/training-manifests/")[1] as string;
    return body(name) ?? new Response("{}", { status: 404 });
  }) as typeof fetch;
}

describe("verify-root's training manifests", () => {
  it("credits the weights of a manifest that hashes to its name, and nobody for a 404", async () => {
    const fetchImpl = serve((name) =>
      name === `${hash.slice(2)}.json` ? Response.json(manifest) : undefined,
    );
    const training = await fetchTrainingAttribution("http://api/", [hash, missing], fetchImpl);
    expect(training(hash)).toEqual([{ contributor: getAddress(addr(0xc)), weight: 1_000_000n }]);
    expect(training(missing as `0x${string}`)).toBeNull();
    expect(() => training(`0x${"cd".repeat(32)}`)).toThrow(/not fetched/);
  });

  it("refuses a manifest that does not hash to its name, and an API that fails", async () => {
    const tampered = { ...manifest, version: 3 };
    const lying = serve(() => Response.json(tampered));
    await expect(fetchTrainingAttribution("http://api", [hash], lying)).rejects.toMatchObject({
      kind: "content-address",
    });
    const failing = serve(() => new Response("oops", { status: 500 }));
    const error = await fetchTrainingAttribution("http://api", [hash], failing).catch((e) => e);
    expect(error).toBeInstanceOf(ManifestUnverifiable);
    expect(error.kind).toBe("unreachable");
  });
});
