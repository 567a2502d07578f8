export { type Clock, SimulatedClock, systemClock } from './clock.js';
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from './logger.js';
export { runSchedule, type ScheduleOptions, type ScheduleResult } from './scheduler.js';
