import { type Logger, LogLevel } from '@slack/logger';

/** The WebClient and Bolt log platform errors at error level; tests that provoke them keep output clean. */
export const silentSlackLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
