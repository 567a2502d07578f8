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
  SimulatedEnviroplus,
  type SimulatedEnviroplusOptions,
  type SimulatedErrorCounts,
  type SimulatedFaults,
} from './simulated-enviroplus.js';
