import type Keyv from "keyv";
import type { Clock } from "./clock.js";

/**
 * Decides which process runs a task when several share one store. `acquire` resolves true when
 * this holder may run the task now; the claim lapses by itself after `ttl` seconds unless renewed,
 * so a process that dies holding it blocks the task for at most `ttl` seconds.
 */
export interface TaskLock {
  acquire(taskId: string, holder: string, ttl: number): Promise<boolean>;
  /** Extends a claim this holder still has; resolves false if it was lost. */
  renew(taskId: string, holder: string, ttl: number): Promise<boolean>;
  release(taskId: string, holder: string): Promise<void>;
}

interface LeaseRecord {
  holder: string;
  expires: number;
}

function isLease(value: unknown): value is LeaseRecord {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as LeaseRecord).holder === "string" &&
    typeof (value as LeaseRecord).expires === "number"
  );
}

export interface KeyvLockOptions {
  keyv: Keyv;
  clock: Clock;
  /**
   * Seconds to wait between writing a claim and reading it back. Keyv has no compare-and-set, so
   * two processes may both see the lease free and both write; the last write wins, and the wait
   * lets both writes land before either checks. It must exceed the store's write latency.
   */
  settle: number;
  /** Waits `seconds` on the scheduler's clock. */
  sleep(seconds: number): Promise<void>;
}

/**
 * A lease kept in the Keyv store under `lease/<task id>`: `{ holder, expires }`, with `expires` in
 * wall-clock seconds. A lease that is expired, or that claims to last longer than its ttl from
 * now (the clock went back), is free.
 */
export function createKeyvLock(options: KeyvLockOptions): TaskLock {
  const { keyv, clock, settle, sleep } = options;
  const key = (taskId: string) => `lease/${taskId}`;
  const held = (value: unknown, now: number, ttl: number): value is LeaseRecord =>
    isLease(value) && value.expires > now && value.expires <= now + ttl;

  return {
    async acquire(taskId, holder, ttl) {
      const now = clock.now();
      const current = await keyv.get(key(taskId));
      if (held(current, now, ttl) && current.holder !== holder) return false;
      await keyv.set(key(taskId), { holder, expires: now + ttl } satisfies LeaseRecord);
      if (settle > 0) await sleep(settle);
      const after = await keyv.get(key(taskId));
      return isLease(after) && after.holder === holder;
    },
    async renew(taskId, holder, ttl) {
      const current = await keyv.get(key(taskId));
      if (!isLease(current) || current.holder !== holder) return false;
      await keyv.set(key(taskId), { holder, expires: clock.now() + ttl } satisfies LeaseRecord);
      return true;
    },
    async release(taskId, holder) {
      const current = await keyv.get(key(taskId));
      if (isLease(current) && current.holder === holder) await keyv.delete(key(taskId));
    },
  };
}
