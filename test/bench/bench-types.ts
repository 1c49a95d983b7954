export interface BenchContext {
  /** Print JSON lines instead of a table (progress goes to stderr only without --json). */
  json: boolean;
  /** Smaller workloads, for a smoke run. */
  quick: boolean;
  log(message: string): void;
}

/** One measured row; `scenario` names the scenario, the rest are its figures. */
export type BenchRow = { scenario: string } & Record<string, string | number | boolean | null>;

export type BenchScenario = (ctx: BenchContext) => Promise<BenchRow[]>;
