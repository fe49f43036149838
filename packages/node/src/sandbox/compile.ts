/**
 * Compiles a contract for deployment (PROTOCOL.md §16.4, docs/contracts.md): TypeScript is transpiled with the pinned
 * TypeScript compiler to a CommonJS script (`exports.method = …`), JavaScript is taken as written. Types are not
 * checked here (that is the author's build); syntax errors are refused with their position. The proposal carries both
 * texts, so an auditor can recompile the source and compare it with the code on chain.
 */
import type ts from 'typescript';
import { nodeError } from '../errors.js';

/** TypeScript is large (≈ 0.4 s to load): loaded when a contract is compiled, not by every command. */
async function typescript(): Promise<typeof ts> {
  return (await import('typescript')).default;
}

export type ContractLanguage = 'javascript' | 'typescript';

/** The compiler options of every contract compilation (changing them changes the code of a recompiled source). */
export async function contractCompilerOptions(): Promise<ts.CompilerOptions> {
  const t = await typescript();
  return {
    module: t.ModuleKind.CommonJS,
    target: t.ScriptTarget.ES2022,
    strict: true,
    removeComments: false,
    sourceMap: false,
    inlineSourceMap: false,
    importHelpers: false,
  };
}

/** The pinned compiler (PROTOCOL.md §16.4). */
export const CONTRACT_COMPILER = 'typescript 6.0.3';

export function languageOf(file: string): ContractLanguage {
  return /\.(c|m)?tsx?$/i.test(file) ? 'typescript' : 'javascript';
}

/** The JavaScript the sandbox runs; throws CONTRACT_COMPILE_FAILED naming the first syntax error. */
export async function compileContract(
  source: string,
  language: ContractLanguage,
  fileName = 'contract.ts',
): Promise<string> {
  if (language === 'javascript') return source;
  const ts = await typescript();
  if (`typescript ${ts.version}` !== CONTRACT_COMPILER) {
    throw nodeError(
      'CONTRACT_COMPILE_FAILED',
      `contracts compile with ${CONTRACT_COMPILER}; this installation has ${ts.version}`,
    );
  }
  const out = ts.transpileModule(source, {
    compilerOptions: await contractCompilerOptions(),
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
