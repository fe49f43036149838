/**
 * Compiles a contract for deployment (PROTOCOL.md §16.4, docs/contracts.md): TypeScript is transpiled with the pinned
 * TypeScript compiler to a CommonJS script (`exports.method = …`), JavaScript is taken as written. Types are not
 * checked here (that is the author's build); syntax errors are refused with their position. The proposal carries both
 * texts, so an auditor can recompile the source and compare it with the code on chain.
 */
import ts from 'typescript';
import { nodeError } from '../errors.js';

export type ContractLanguage = 'javascript' | 'typescript';

/** The compiler options of every contract compilation (changing them changes the code of a recompiled source). */
export const CONTRACT_COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  removeComments: false,
  sourceMap: false,
  inlineSourceMap: false,
  importHelpers: false,
};

export const CONTRACT_COMPILER = `typescript ${ts.version}`;

export function languageOf(file: string): ContractLanguage {
  return /\.(c|m)?tsx?$/i.test(file) ? 'typescript' : 'javascript';
}

/** The JavaScript the sandbox runs; throws CONTRACT_COMPILE_FAILED naming the first syntax error. */
export function compileContract(source: string, language: ContractLanguage, fileName = 'contract.ts'): string {
  if (language === 'javascript') return source;
  const out = ts.transpileModule(source, {
    compilerOptions: CONTRACT_COMPILER_OPTIONS,
    fileName,
    reportDiagnostics: true,
  });
  const problem = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (problem !== undefined) {
    const where =
      problem.file !== undefined && problem.start !== undefined
        ? problem.file.getLineAndCharacterOfPosition(problem.start)
        : undefined;
    const at = where === undefined ? '' : ` at line ${where.line + 1}, column ${where.character + 1}`;
    throw nodeError(
      'CONTRACT_COMPILE_FAILED',
      `${fileName}${at}: ${ts.flattenDiagnosticMessageText(problem.messageText, ' ')}`,
      where === undefined ? {} : { line: where.line + 1, column: where.character + 1 },
    );
  }
  return out.outputText;
}
