// Writes generated/abis.ts and generated/bytecode.ts from forge's build output.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderGeneratedArtifacts } from "../ts/generate-artifacts.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { abis, bytecode } = renderGeneratedArtifacts(path.join(root, "out"));
writeFileSync(path.join(root, "generated", "abis.ts"), abis);
writeFileSync(path.join(root, "generated", "bytecode.ts"), bytecode);
console.log(
  JSON.stringify({ msg: "generated typed ABIs and bytecode", dir: "contracts/generated" }),
);
