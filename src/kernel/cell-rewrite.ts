/**
 * Fixes to the JavaScript tslab makes of a cell, so the cell behaves as the
 * TypeScript a person wrote. tslab compiles each cell to a CommonJS function
 * body in which earlier cells' names are read as `exports.name`; two things go
 * wrong on the way, and both are mended here, on tslab's output:
 *
 * - A shorthand property naming an earlier cell's variable, `{ severity }`,
 *   is emitted as is, so it reads a variable that does not exist. It becomes
 *   `{ severity: exports.severity }` (also in destructuring assignments).
 * - tslab decides whether the cell needs an async wrapper from TypeScript's
 *   diagnostics, which miss a top-level `for await` and a top-level `await`
 *   in a cell that declares nothing. Here the output itself is read: any
 *   `await` outside a function asks for the async wrapper.
 *
 * Working on the output keeps everything tslab does with the source (types
 * checked, errors placed, completion, inspection) exactly as it was.
 */
import type * as TS from "typescript";

export interface RewrittenCell {
  js: string;
  /** The cell awaits outside any function, so it must run in an async function. */
  topLevelAwait: boolean;
}

/**
 * Rewrites tslab's output `js` for one cell.
 * @param isEarlier whether a name was declared by an earlier cell (is on tslab's `exports`)
 * @example
 * rewriteCell(ts, "const o = { severity };", (n) => n === "severity").js
 * // "const o = { severity: exports.severity };"
 */
export function rewriteCell(ts: typeof TS, js: string, isEarlier: (name: string) => boolean): RewrittenCell {
  // Parsed as the body of an async function, as tslab may run it: outside one, `await (x)` reads as a call.
  const prefix = "async function __pipelab_cell__() {\n";
  const file = ts.createSourceFile("cell.js", `${prefix}${js}\n}`, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const body = (file.statements[0] as TS.FunctionDeclaration).body!;
  const inserts: { at: number; text: string }[] = [];
  let topLevelAwait = false;

  const visit = (node: TS.Node, inFunction: boolean): void => {
    if (!inFunction && (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined))) topLevelAwait = true;
    if (ts.isShorthandPropertyAssignment(node)) {
      const name = node.name.text;
      if (isEarlier(name) && !declaredAround(ts, node, name)) inserts.push({ at: node.name.end - prefix.length, text: `: exports.${name}` });
    }
    const nested = inFunction || ts.isFunctionLike(node);
    ts.forEachChild(node, (child) => visit(child, nested));
  };
  for (const statement of body.statements) visit(statement, false);

  let out = js;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return { js: out, topLevelAwait };
}

/** Whether `name` is declared in a scope that encloses `node` (so it is not the earlier cell's). */
function declaredAround(ts: typeof TS, node: TS.Node, name: string): boolean {
  for (let scope = node.parent; scope; scope = scope.parent) {
    if (declares(ts, scope, name)) return true;
  }
  return false;
}

function declares(ts: typeof TS, scope: TS.Node, name: string): boolean {
  if (ts.isFunctionLike(scope)) {
    if (scope.parameters.some((p) => binds(ts, p.name, name))) return true;
    // A function or class expression's own name is visible inside it.
    if ((ts.isFunctionExpression(scope) || ts.isClassExpression(scope)) && scope.name?.text === name) return true;
    if ("body" in scope && scope.body && varDeclares(ts, scope.body, name)) return true;
  }
  if (ts.isCatchClause(scope) && scope.variableDeclaration && binds(ts, scope.variableDeclaration.name, name)) return true;
  if ((ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope)) && scope.initializer) {
    if (ts.isVariableDeclarationList(scope.initializer) && scope.initializer.declarations.some((d) => binds(ts, d.name, name))) return true;
  }
  const statements =
    ts.isSourceFile(scope) || ts.isBlock(scope) ? scope.statements : ts.isCaseBlock(scope) ? scope.clauses.flatMap((c) => [...c.statements]) : [];
  if (ts.isSourceFile(scope) && varDeclares(ts, scope, name)) return true;
  return statements.some((statement) => statementDeclares(ts, statement, name));
}

/** let/const/var, function, class and import declarations made by one statement. */
function statementDeclares(ts: typeof TS, statement: TS.Statement, name: string): boolean {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.some((d) => binds(ts, d.name, name));
  if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) return statement.name?.text === name;
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (clause?.name?.text === name) return true;
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) return bindings.name.text === name;
    return bindings !== undefined && bindings.elements.some((e) => e.name.text === name);
  }
  return false;
}

/** `var` declarations anywhere in `body` outside nested functions: they belong to the function. */
function varDeclares(ts: typeof TS, body: TS.Node, name: string): boolean {
  let found = false;
  const visit = (node: TS.Node): void => {
    if (found || ts.isFunctionLike(node)) return;
    if (ts.isVariableDeclarationList(node) && !(node.flags & ts.NodeFlags.BlockScoped)) {
      found = node.declarations.some((d) => binds(ts, d.name, name));
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** Whether a binding (a name or a destructuring pattern) introduces `name`. */
function binds(ts: typeof TS, binding: TS.BindingName, name: string): boolean {
  if (ts.isIdentifier(binding)) return binding.text === name;
  return binding.elements.some((element) => !ts.isOmittedExpression(element) && binds(ts, element.name, name));
}
