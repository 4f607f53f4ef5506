import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8")) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe("docker-compose.yml", () => {
  it("gives every service an image or a build context that exists", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, name).toBeTruthy();
      if (service.build)
        expect(existsSync(path.join(root, service.build, "Dockerfile"))).toBe(true);
    }
  });

  it("only depends on services it defines, with conditions compose knows", () => {
    for (const service of Object.values(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(dependency);
        expect(["service_started", "service_healthy", "service_completed_successfully"]).toContain(
          condition,
        );
        if (condition === "service_healthy") {
          expect(compose.services[dependency]?.healthcheck, dependency).toBeDefined();
        }
      }
    }
  });

  it("declares every named volume it mounts", () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] as string;
        if (!source.startsWith(".") && !source.startsWith("/")) {
          expect(Object.keys(compose.volumes)).toContain(source);
        }
      }
    }
  });

  it("runs workspace scripts that exist", () => {
    for (const service of Object.values(compose.services)) {
      const command = service.command ?? [];
      const run = command.indexOf("run");
      const workspace = command.indexOf("-w");
      if (command[0] !== "npm" || run < 0 || workspace < 0) continue;
      const manifest = JSON.parse(
        readFileSync(path.join(root, command[workspace + 1] as string, "package.json"), "utf8"),
      ) as { scripts: Record<string, string> };
      expect(Object.keys(manifest.scripts)).toContain(command[run + 1]);
    }
  });

  it("settles from exactly one process: one service holds the settler key, unreplicated", () => {
    const settlers = Object.entries(compose.services).filter(
      ([, service]) => (service.environment ?? {}).TRIBUTARY_SETTLER_KEY !== undefined,
    );
    expect(settlers.map(([name]) => name)).toEqual(["settler"]);
    expect(settlers[0]?.[1].deploy?.replicas ?? 1).toBe(1);
  });
});
