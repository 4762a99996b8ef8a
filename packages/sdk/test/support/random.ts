/** Deterministic numbers in [0, 1) spread like Math.random's, for jitter tests (a fixed function would put every
 * jittered delay in step). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
