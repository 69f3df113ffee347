/** Time source, injectable so services can be tested at fixed instants. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
