/**
 * The problems of a failed decode, each said once, for the one-line messages of the CLI, the
 * configuration and an import's status.
 */
import * as AST from "effect/SchemaAST"
import * as ParseResult from "effect/ParseResult"

/**
 * Every problem with its path. An optional key decodes as the union `X | undefined`, and Effect's
 * formatter reports every failed member of a union: a bad value came out as two problems for
 * one key, the real one and "Expected undefined, actual 500" (issue 15). The `undefined` member
 * only says that the key may be left out, so its failure is dropped wherever another member
 * failed too; a union whose only failure it is still reports it.
 */
export const describe = (error: ParseResult.ParseError): Array<ParseResult.ArrayFormatterIssue> =>
  ParseResult.ArrayFormatter.formatIssueSync(withoutOptionalAlternative(error.issue))

export const withoutOptionalAlternative = (issue: ParseResult.ParseIssue): ParseResult.ParseIssue => {
  switch (issue._tag) {
    case "Pointer":
      return new ParseResult.Pointer(issue.path, issue.actual, withoutOptionalAlternative(issue.issue))
    case "Refinement":
      return new ParseResult.Refinement(issue.ast, issue.actual, issue.kind, withoutOptionalAlternative(issue.issue))
    case "Transformation":
      return new ParseResult.Transformation(issue.ast, issue.actual, issue.kind, withoutOptionalAlternative(issue.issue))
    case "Composite": {
      const all = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
      const others = AST.isUnion(issue.ast) ? all.filter((member) => !isUndefinedMember(member)) : all
      const [first, ...rest] = (others.length > 0 ? others : all).map(withoutOptionalAlternative)
      return new ParseResult.Composite(issue.ast, issue.actual, rest.length === 0 ? first! : [first!, ...rest], issue.output)
    }
    default:
      return issue
  }
}

const isUndefinedMember = (issue: ParseResult.ParseIssue) => issue._tag === "Type" && AST.isUndefinedKeyword(issue.ast)
