import { describe, expect, it } from "vitest";
import { createFrameDecoder, encodeFrame } from "./frames.ts";

describe("frames", () => {
  it("round-trips frames split at every byte boundary", () => {
    const messages = [{ id: 1, op: "health" }, { id: "x", text: "ünïcode 🚀" }, { id: 3 }];
    const bytes = Buffer.concat(messages.map(encodeFrame));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = createFrameDecoder();
      const frames = [
        ...decoder.push(bytes.subarray(0, cut)),
        ...decoder.push(bytes.subarray(cut)),
      ];
      expect(frames).toEqual(messages);
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it("writes a big-endian length prefix", () => {
    const frame = encodeFrame({ a: 1 });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  });
});
