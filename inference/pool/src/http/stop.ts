// Stop strings over streamed text: text that might be the start of a stop string is held back
// until the next piece shows whether it is one.
export interface StopMatcher {
  push(text: string): { text: string; stopped: boolean };
  /** The held-back text, once the generation ended without a stop string. */
  flush(): string;
}

export function createStopMatcher(stops: readonly string[]): StopMatcher {
  let held = "";
  return {
    push(text) {
      if (stops.length === 0) return { text, stopped: false };
      held += text;
      let cut = -1;
      for (const stop of stops) {
        const at = held.indexOf(stop);
        if (at >= 0 && (cut < 0 || at < cut)) cut = at;
      }
      if (cut >= 0) {
        const out = held.slice(0, cut);
        held = "";
        return { text: out, stopped: true };
      }
      let keep = 0;
      for (const stop of stops) {
        for (let k = Math.min(stop.length - 1, held.length); k > keep; k--) {
          if (held.endsWith(stop.slice(0, k))) {
            keep = k;
            break;
          }
        }
      }
      const out = held.slice(0, held.length - keep);
      held = held.slice(held.length - keep);
      return { text: out, stopped: false };
    },
    flush() {
      const out = held;
      held = "";
      return out;
    },
  };
}
