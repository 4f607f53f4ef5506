import { buildSegmentSteps, docRange, type Segment, type SegmentPart } from "./segment.ts";

/** Work a background merge does per event-loop turn, in milliseconds. */
const TURN_MS = 8;

/** One turn of the event loop: pending I/O and timers run before the next slice of work. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One segment of the documents of `sources` that are still live, in their order, dropping the
 * removed ones; null when none is. Built in turns of about TURN_MS with the event loop served
 * between them, so queries, additions and removals go on meanwhile against the sources,
 * which are immutable (only their tombstone counts change).
 */
export async function mergeSegments(
  sources: readonly Segment[],
  isLive: (docNo: number) => boolean,
  alphabetSize: number,
): Promise<Segment | null> {
  await yieldToLoop();
  const parts: SegmentPart[] = [];
  for (const source of sources) {
    source.docNos.forEach((docNo, local) => {
      if (!isLive(docNo)) return;
      const { from, to } = docRange(source, local);
      parts.push({ docNo, tokens: source.text, from, to });
    });
  }
  if (parts.length === 0) return null;
  const steps = buildSegmentSteps(parts, alphabetSize);
  for (;;) {
    // Slices until TURN_MS have passed, then a turn for everything else: a merge keeps pace
    // with a busy loop (one slice per turn fell behind a stream of additions) without hogging it.
    const until = performance.now() + TURN_MS;
    let step = steps.next();
    while (!step.done && performance.now() < until) step = steps.next();
    await yieldToLoop();
    if (step.done) return step.value;
  }
}
