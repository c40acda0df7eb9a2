/**
 * Unknown keys in what a user typed (an import's config, a connector's settings). Decoding with
 * `onExcessProperty: "error"` reports each one as an `Unexpected` issue under the struct that
 * does not know it; this finds them with their paths and the keys that struct does know, so a
 * message can suggest the one the user probably meant (`contactgroup` → `contactGroup`).
 */
import * as AST from "effect/SchemaAST"
import type * as ParseResult from "effect/ParseResult"

export interface UnknownKey {
  readonly path: ReadonlyArray<PropertyKey>
  /** The keys the enclosing struct knows. */
  readonly known: ReadonlyArray<string>
}

export const find = (issue: ParseResult.ParseIssue): Array<UnknownKey> => {
  const found: Array<UnknownKey> = []
  // Explicit stack: a deeply nested input must not overflow the call stack here.
  const stack: Array<{ issue: ParseResult.ParseIssue; path: ReadonlyArray<PropertyKey>; ast: AST.AST | undefined }> = [
    { issue, path: [], ast: undefined }
  ]
  while (stack.length > 0) {
    const { ast, issue: current, path } = stack.pop()!
    switch (current._tag) {
      case "Composite":
        for (const sub of Array.isArray(current.issues) ? current.issues : [current.issues]) {
          stack.push({ issue: sub as ParseResult.ParseIssue, path, ast: current.ast })
        }
        break
      case "Pointer": {
        const next = [...path, ...(Array.isArray(current.path) ? current.path : [current.path as PropertyKey])]
        if (current.issue._tag === "Unexpected") found.push({ path: next, known: ast === undefined ? [] : keysOf(ast) })
        else stack.push({ issue: current.issue, path: next, ast })
        break
      }
      case "Refinement":
      case "Transformation":
        stack.push({ issue: current.issue, path, ast: current.ast })
        break
    }
  }
  return found
}

const keysOf = (ast: AST.AST): Array<string> => {
  if (AST.isTypeLiteral(ast)) return ast.propertySignatures.map((p) => String(p.name))
  if (AST.isTransformation(ast)) return keysOf(ast.from)
  if (AST.isRefinement(ast)) return keysOf(ast.from)
  return []
}

/**
 * The candidate closest to `word` by edit distance (case-insensitive, so a wrongly cased key is
 * always found), when it is close enough to be a slip: at most a third of the word's length.
 */
export const closest = (word: string, candidates: Iterable<string>): string | undefined => {
  let best: { readonly candidate: string; readonly distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (best === undefined || distance < best.distance) best = { candidate, distance }
  }
  return best !== undefined && best.distance <= Math.max(1, Math.floor(word.length / 3)) ? best.candidate : undefined
}

/** Levenshtein distance, two rows at a time. */
export const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}
