/** One component's health, as `GET /health` shows it. */
export interface ComponentHealth {
  readonly name: string;
  readonly healthy: boolean;
  /** Why it is unhealthy. */
  readonly error?: string | undefined;
}

export interface HealthReport {
  /** Every component is healthy. */
  readonly healthy: boolean;
  readonly components: readonly ComponentHealth[];
}

/** The storage's size and free space in bytes (zeros when Berth cannot tell, as Harbor answers). */
export interface StorageCapacity {
  readonly total: number;
  readonly free: number;
}
