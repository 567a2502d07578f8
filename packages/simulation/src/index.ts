export {
  BREAKOUT_SIM_COLUMNS,
  type BreakoutSimColumn,
  type BreakoutSimReading,
  type BreakoutSite,
  breakoutAt,
  breakoutSite,
  emptyBreakoutSimReading,
  occupancyAt,
  roomCo2At,
  SimulatedBreakout,
  type SimulatedBreakoutErrorCounts,
  type SimulatedBreakoutOptions,
} from './breakout-model.js';
export {
  ENVIROPLUS_SIM_COLUMNS,
  type EnviroplusSimColumn,
  type EnviroplusSimReading,
  emptySimReading,
  enviroplusAt,
  type SiteClimate,
  siteClimate,
} from './enviroplus-model.js';
export { gaussian, hash3, mix32, seededRandom, seedFromString, smooth, uniform } from './noise.js';
export {
  applyFaults,
  checkFaults,
  emptySenseHatSimReading,
  SENSEHAT_SIM_COLUMNS,
  type SenseHatSimColumn,
  type SenseHatSimReading,
  type SenseHatSite,
  SimulatedSenseHat,
  type SimulatedSenseHatErrorCounts,
  type SimulatedSenseHatOptions,
  senseHatAt,
  senseHatSite,
} from './sensehat-model.js';
export { SimulatedBoard, type SimulatedBoardSpec } from './simulated-board.js';
export {
  SimulatedEnviroplus,
  type SimulatedEnviroplusOptions,
  type SimulatedErrorCounts,
  type SimulatedFaults,
} from './simulated-enviroplus.js';
