/** Why a follow stopped waiting: everything ended, the time limit passed, or SIGINT/SIGTERM arrived. */
export type FollowEnd = 'settled' | 'deadline' | 'interrupted';

/**
 * Waits for `work`, the deadline (epoch ms; undefined waits on) or the interrupt signal, whichever comes first.
 * A rejection of `work` (a fatal error) is passed on.
 */
export async function firstEnd(work: Promise<unknown>, deadline: number | undefined, interrupt: AbortSignal): Promise<FollowEnd> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  const cutShort = new Promise<FollowEnd>((resolve) => {
    if (deadline !== undefined) timer = setTimeout(() => resolve('deadline'), Math.max(0, deadline - Date.now()));
    onAbort = () => resolve('interrupted');
    if (interrupt.aborted) onAbort();
    else interrupt.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => 'settled' as const), cutShort]);
  } finally {
    clearTimeout(timer);
    interrupt.removeEventListener('abort', onAbort);
  }
}
