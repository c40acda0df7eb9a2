/** The version of this package; connectors record it at build time for the runner's compatibility check. */
export const coreVersion = "0.1.0"

/**
 * Whether a connector built against `builtWith` can run on this core: same major version,
 * and while the major is 0, the same minor (semver's caret rule for 0.x).
 */
export const isCompatible = (builtWith: string, current: string = coreVersion): boolean => {
  const parse = (v: string) => v.split(".").map((n) => Number.parseInt(n, 10))
  const [aMajor, aMinor] = parse(builtWith)
  const [bMajor, bMinor] = parse(current)
  if (aMajor === undefined || Number.isNaN(aMajor) || aMajor !== bMajor) return false
  return aMajor !== 0 || aMinor === bMinor
}
