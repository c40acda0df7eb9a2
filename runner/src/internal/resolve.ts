/**
 * Where a configured connector is: the file to import and the package.json that describes it.
 * Moved out of PluginLoader.ts; the manifest is what the runner reads the connector's version
 * and its declared core range from (issue 15).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export interface Resolved {
  /** The module to import. */
  readonly file: string
  /** The package.json of the connector's package; none for a lone file. */
  readonly manifest: string | undefined
}

export const isPath = (specifier: string) =>
  specifier.startsWith(".") || path.isAbsolute(specifier) || specifier.startsWith("file:")

/**
 * A file, or a package directory (its package.json says which file). A file belongs to the
 * package that contains it only when that package says it is a connector (`"autoimport":
 * { "connector": true }`, docs/writing-a-connector.md §1): a connector kept as one file next to
 * the configuration is otherwise described by the operator's own package.json, whose version
 * and dependencies are not the connector's.
 */
export const resolvePath = (target: string): Resolved | undefined => {
  const absolute = target.startsWith("file:") ? fileURLToPath(target) : target
  if (!fs.existsSync(absolute)) return undefined
  if (fs.statSync(absolute).isDirectory()) {
    const file = packageEntry(absolute, ".")
    const manifest = path.join(absolute, "package.json")
    return file === undefined ? undefined : { file, manifest: fs.existsSync(manifest) ? manifest : undefined }
  }
  const scope = nearestManifest(path.dirname(absolute))
  return { file: absolute, manifest: scope !== undefined && declaresConnector(scope) ? scope : undefined }
}

/**
 * Node's resolution from `fromDir`: the package directory is the first `node_modules/<name>`
 * on the way up, as for any bare import. `require.resolve` finds the entry but refuses an
 * ESM-only package (exports without a "require" or "default" condition); for those the entry
 * is read from the package's exports with the "import" condition, as `import` would.
 */
export const resolvePackage = (specifier: string, fromDir: string): Resolved | undefined => {
  const require = createRequire(path.join(fromDir, "noop.js"))
  const parts = specifier.split("/")
  const nameLength = specifier.startsWith("@") ? 2 : 1
  const name = parts.slice(0, nameLength).join("/")
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join("/")}` : "."
  const packageDir = (require.resolve.paths(name) ?? [])
    .map((dir) => path.join(dir, name))
    .find((dir) => fs.existsSync(path.join(dir, "package.json")))
  if (packageDir === undefined) return undefined
  const manifest = path.join(packageDir, "package.json")
  try {
    return { file: require.resolve(specifier), manifest }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") return undefined
  }
  const file = packageEntry(packageDir, subpath)
  return file === undefined ? undefined : { file, manifest }
}

const nearestManifest = (dir: string): string | undefined => {
  const candidate = path.join(dir, "package.json")
  if (fs.existsSync(candidate)) return candidate
  const parent = path.dirname(dir)
  return parent === dir ? undefined : nearestManifest(parent)
}

const declaresConnector = (manifest: string): boolean => {
  try {
    const parsed = JSON.parse(fs.readFileSync(manifest, "utf8")) as { autoimport?: { connector?: unknown } } | null
    return parsed?.autoimport?.connector === true
  } catch {
    return false
  }
}

const packageEntry = (packageDir: string, subpath: string): string | undefined => {
  const manifestPath = path.join(packageDir, "package.json")
  if (!fs.existsSync(manifestPath)) return fs.existsSync(path.join(packageDir, "index.js")) ? path.join(packageDir, "index.js") : undefined
  const manifest = readJson(manifestPath) as { exports?: unknown; main?: string } | null
  const exportsField = manifest?.exports
  const target = exportsField === undefined
    ? subpath === "." ? (manifest?.main ?? "index.js") : subpath
    : pickCondition(
      typeof exportsField === "object" && exportsField !== null && Object.keys(exportsField).some((k) => k.startsWith("."))
        ? (exportsField as Record<string, unknown>)[subpath]
        : subpath === "." ? exportsField : undefined
    )
  return target === undefined ? undefined : path.join(packageDir, target)
}

/** Parsed JSON; a file that is not JSON throws an error naming it. */
const readJson = (file: string): unknown => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"))
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`)
  }
}

const pickCondition = (target: unknown): string | undefined => {
  if (typeof target === "string") return target
  if (typeof target !== "object" || target === null) return undefined
  for (const condition of ["import", "node", "default"]) {
    const found = pickCondition((target as Record<string, unknown>)[condition])
    if (found !== undefined) return found
  }
  return undefined
}
