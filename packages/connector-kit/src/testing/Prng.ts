/**
 * A small deterministic PRNG (mulberry32) for seeded fake datasets: the same seed gives the same
 * data on every machine and run. `derive` gives record `i` its own stream, so a fake can build
 * any record on demand without generating the ones before it.
 */

export interface Prng {
  /** Uniform in [0, 1). */
  readonly next: () => number
  /** Uniform integer in [0, max). */
  readonly int: (max: number) => number
  /** True with probability `p`. */
  readonly chance: (p: number) => boolean
  readonly pick: <A>(items: ReadonlyArray<A>) => A
}

export const make = (seed: number): Prng => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number) => Math.floor(next() * max)
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("Prng.pick: no items to pick from")
      return items[int(items.length)]!
    }
  }
}

/** An independent generator for item `index` of the dataset seeded with `seed`. */
export const derive = (seed: number, index: number): Prng => make(mix(mix(seed) ^ mix(index + 0x9e3779b9)))

const mix = (n: number): number => {
  let h = n >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
