/** One sample from a board: values by lake column name (null = that sensor gave nothing). */
export interface BoardSample {
  values: Readonly<Record<string, number | null>>;
  /** Samples taken while sensors settle are not stored (the reference skips the first 10). */
  warmup: boolean;
  /** Failed reads per sensor since the board was opened. */
  errors: Readonly<Record<string, number>>;
}

/** What the pipeline reads: the real Enviro+ facade, a simulated board, or another board. */
export interface Board {
  readonly name: string;
  read(): Promise<BoardSample>;
  close(): Promise<void>;
}
