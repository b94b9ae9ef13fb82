/**
 * Iterates `source` with up to `depth` items asked for ahead of the one being handled, starting
 * `prepare` on each as soon as it arrives: a PCN verifies the signatures of the next blocks on its
 * signature pool's threads while the current block executes. Items come out in order, each once
 * its `prepare` settled (a failed `prepare` is ignored: preparing is only ever a head start). An
 * error of the source comes out where its item would have.
 */
export async function* readAhead<T>(
  source: AsyncIterable<T>,
  prepare: (item: T) => Promise<unknown>,
  depth: number,
): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  type Next = { readonly result: IteratorResult<T> } | { readonly error: unknown };
  // Each entry settles with its item already prepared, and never rejects (an unawaited rejection
  // of an item asked for ahead would be unhandled).
  const pull = (): Promise<Next> =>
    it.next().then(
      async (result) => {
        if (!result.done) await prepare(result.value).catch(() => {});
        return { result };
      },
      (error: unknown) => ({ error }),
    );
  const ahead: Promise<Next>[] = [];
  let finished = false;
  try {
    for (let i = 0; i < Math.max(1, depth); i++) ahead.push(pull());
    for (;;) {
      const next = (await ahead.shift()) as Next;
      if ('error' in next) {
        finished = true;
        throw next.error;
      }
      if (next.result.done) {
        finished = true;
        return;
      }
      ahead.push(pull());
      yield next.result.value;
    }
  } finally {
    // Items asked for ahead and not handed out are dropped: the caller resumes from its own height.
    // The source's return is not awaited when the source may still be waiting for an item (an
    // abort signal the source watches ends that wait).
    if (!finished) void it.return?.()?.catch(() => {});
  }
}
