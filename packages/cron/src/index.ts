export { type LogFn, type Logger, silentLogger } from "@canto/events";
export {
  type Clock,
  type ClockHandle,
  createRealClock,
  MAX_TIMER_MS,
  type RealClockOptions,
  realClock,
} from "./clock.js";
export { CronError, type CronErrorCode } from "./errors.js";
export { createFakeClock, type FakeClock, type FakeClockOptions } from "./fake-clock.js";
export { createKeyvLock, type KeyvLockOptions, type TaskLock } from "./lease.js";
export { clampPeriod, MAX_PERIOD, MIN_PERIOD, parsePeriod, WHEN_PERIODS, type When } from "./period.js";
export {
  createScheduler,
  Scheduler,
  type SchedulerOptions,
  type Timer,
  type TimerCallback,
  type TimerScope,
  type TimerState,
} from "./scheduler.js";
export {
  Cron,
  type CronOptions,
  type CronScope,
  createCron,
  daily,
  hourly,
  isDue,
  type LeaseOptions,
  slugify,
  type Task,
  type TaskRun,
  type TaskSpec,
  weekly,
} from "./tasks.js";
