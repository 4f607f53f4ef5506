/**
 * Runs `work` one at a time. A trigger while it runs asks for one more run after it and shares
 * its promise, so a burst of triggers (ticks, commits) costs one extra run and none is lost. A
 * failure goes to `failed`; the next trigger runs again.
 */
export function coalesce(work: () => Promise<void>, failed: (error: unknown) => void) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  return {
    /** Resolves when a run that started after this call ended. */
    trigger(): Promise<void> {
      if (stopped) return Promise.resolve();
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await work();
          } while (again && !stopped);
        } catch (error) {
          failed(error);
        } finally {
          running = null;
        }
      })();
      return running;
    },
    get stopped() {
      return stopped;
    },
    /** No run starts after this; resolves when the one in progress ends. */
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}
