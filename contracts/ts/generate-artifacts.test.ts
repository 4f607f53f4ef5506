import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { foundryBinary } from "./foundry-binary.ts";
import { renderGeneratedArtifacts } from "./generate-artifacts.ts";
import { PROTOCOL_CONTRACTS } from "./protocol-contracts.ts";

const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(contractsDir, "out");

describe("generated typed ABIs and bytecode", () => {
  beforeAll(() => {
    // forge's build is incremental: a no-op when `forge test` already built this tree.
    const build = spawnSync(foundryBinary("forge"), ["build", "--offline"], {
      cwd: contractsDir,
      encoding: "utf8",
    });
    if (build.status !== 0) throw new Error(`forge build failed:\n${build.stdout}${build.stderr}`);
  });

  it("match forge's current build output (run `npm run generate -w contracts` when this fails)", () => {
    const fresh = renderGeneratedArtifacts(outDir);
    expect(readFileSync(path.join(contractsDir, "generated", "abis.ts"), "utf8")).toBe(fresh.abis);
    expect(readFileSync(path.join(contractsDir, "generated", "bytecode.ts"), "utf8")).toBe(
      fresh.bytecode,
    );
  });

  it("cover every protocol contract with a non-empty ABI and bytecode", () => {
    for (const { name, file } of PROTOCOL_CONTRACTS) {
      const artifactPath = path.join(outDir, file, `${name}.json`);
      expect(existsSync(artifactPath), artifactPath).toBe(true);
      const artifact = JSON.parse(readFileSync(artifactPath, "utf8"));
      expect(artifact.abi.length, name).toBeGreaterThan(0);
      expect(artifact.bytecode.object.length, name).toBeGreaterThan(2);
    }
  });
});
