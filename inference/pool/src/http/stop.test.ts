import { describe, expect, it } from "vitest";
import { createStopMatcher } from "./stop.ts";

function feed(stops: string[], pieces: string[]) {
  const matcher = createStopMatcher(stops);
  let out = "";
  for (const piece of pieces) {
    const { text, stopped } = matcher.push(piece);
    out += text;
    if (stopped) return { out, stopped: true };
  }
  return { out: out + matcher.flush(), stopped: false };
}

describe("stop strings", () => {
  it("cuts at a stop string split across pieces", () => {
    expect(feed(["END"], ["hello E", "N", "D more"])).toEqual({ out: "hello ", stopped: true });
  });
  it("releases held text that turned out not to be a stop", () => {
    expect(feed(["END"], ["hello E", "NX", "!"])).toEqual({ out: "hello ENX!", stopped: false });
  });
  it("stops at the earliest of several", () => {
    expect(feed(["b", "cd"], ["a", "cdb"])).toEqual({ out: "a", stopped: true });
  });
  it("passes text through without stops", () => {
    expect(feed([], ["x", "y"])).toEqual({ out: "xy", stopped: false });
  });
});
