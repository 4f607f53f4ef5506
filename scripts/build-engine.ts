// Configures (once) and builds the OpenLoRA engine's CPU backend with CMake, incrementally.
// `npm test` and `npm start` both run it, so a fresh clone needs only a C++ compiler and CMake.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ENGINE_SOURCE_DIR = path.join(root, "inference", "engine");
export const ENGINE_BUILD_DIR = path.join(ENGINE_SOURCE_DIR, "build");
export const ENGINE_CUDA_BUILD_DIR = path.join(ENGINE_SOURCE_DIR, "build-cuda");

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

function hasNvcc(): boolean {
  return spawnSync("nvcc", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Compile-checks the CUDA backend (kernels and their test) where nvcc exists. Without a GPU the
 * test binary reports "skipped"; running the kernels needs a lent GPU machine.
 */
export async function buildEngineCuda(): Promise<string | null> {
  if (!hasNvcc()) {
    console.log(
      JSON.stringify({ msg: "nvcc not found: CUDA backend not compiled on this machine" }),
    );
    return null;
  }
  if (!existsSync(path.join(ENGINE_CUDA_BUILD_DIR, "CMakeCache.txt"))) {
    await run("cmake", [
      "-S",
      ENGINE_SOURCE_DIR,
      "-B",
      ENGINE_CUDA_BUILD_DIR,
      "-DCMAKE_BUILD_TYPE=Release",
      "-DTRIBUTARY_CUDA=ON",
    ]);
  }
  // Everything: the engine with --backend cuda and every CUDA test (ctest needs their binaries).
  await run("cmake", ["--build", ENGINE_CUDA_BUILD_DIR, "-j", "2"]);
  return ENGINE_CUDA_BUILD_DIR;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildEngine();
  if (process.argv.includes("--cuda-if-available")) await buildEngineCuda();
}
