// Configures (once) and builds the OpenLoRA engine's CPU backend with CMake, incrementally.
// `npm test` and `npm start` both run it, so a fresh clone needs only a C++ compiler and CMake.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ENGINE_SOURCE_DIR = path.join(root, "inference", "engine");
export const ENGINE_BUILD_DIR = path.join(ENGINE_SOURCE_DIR, "build");

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit" });
    child.once("error", (error) =>
      reject(new Error(`cannot run ${command}: ${error.message} (is it installed?)`)),
    );
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

export async function buildEngine(): Promise<string> {
  if (!existsSync(path.join(ENGINE_BUILD_DIR, "CMakeCache.txt"))) {
    await run("cmake", [
      "-S",
      ENGINE_SOURCE_DIR,
      "-B",
      ENGINE_BUILD_DIR,
      "-DCMAKE_BUILD_TYPE=Release",
    ]);
  }
  await run("cmake", ["--build", ENGINE_BUILD_DIR, "-j", "2"]);
  return ENGINE_BUILD_DIR;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildEngine();
}
