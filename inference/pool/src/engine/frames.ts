// The engine's framed protocol (inference/engine/PROTOCOL.md): a uint32 big-endian length, then
// one UTF-8 JSON object.
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export function encodeFrame(message: object): Buffer {
  const payload = Buffer.from(JSON.stringify(message), "utf8");
  if (payload.length > MAX_FRAME_BYTES) throw new RangeError(`frame of ${payload.length} bytes`);
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}

/** Splits a byte stream into decoded frames; `push` returns the complete ones so far. */
export function createFrameDecoder() {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk: Buffer): unknown[] {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const frames: unknown[] = [];
      let offset = 0;
      while (pending.length - offset >= 4) {
        const length = pending.readUInt32BE(offset);
        if (pending.length - offset - 4 < length) break;
        const payload = pending.subarray(offset + 4, offset + 4 + length);
        frames.push(JSON.parse(payload.toString("utf8")));
        offset += 4 + length;
      }
      pending = offset === 0 ? pending : Buffer.from(pending.subarray(offset));
      return frames;
    },
    get bufferedBytes() {
      return pending.length;
    },
  };
}
