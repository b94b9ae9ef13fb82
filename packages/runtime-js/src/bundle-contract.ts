/** Bundles a contract's TypeScript or JavaScript source into the one ES module the js runtime runs. */
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { BsnError, hashHex } from '@bsn/core';
import { build, type Message, type Plugin } from 'esbuild';

/** A bundled contract: the module source and its hex SHA-256 (the hash recorded when it is deployed). */
export interface BundledContract {
  readonly code: string;
  readonly codeHash: string;
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Refuses Node built-ins at resolve time, so the author learns which import is the problem and where. */
const refuseNodeBuiltins: Plugin = {
  name: 'bsn-refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (
        args.path.startsWith('node:') ||
        NODE_BUILTINS.has(args.path) ||
        NODE_BUILTINS.has(args.path.split('/')[0] ?? '')
      ) {
        return {
          errors: [
            {
              text: `contracts cannot import the Node.js built-in "${args.path}": contracts run in a deterministic sandbox without I/O`,
              detail: 'forbidden-import',
            },
          ],
        };
      }
      return undefined;
    });
  },
};

function describe(messages: readonly Message[]): string {
  return messages
    .map((m) =>
      m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text,
    )
    .join('; ');
}

/**
 * Bundles `entryPath` with esbuild (ESM, platform neutral, ES2020, `@bsn/source` condition) into
 * one module. The output does not depend on the working directory, so the same source gives the
 * same codeHash on every machine. Throws BSN_CONTRACT_FORBIDDEN_IMPORT for a Node built-in import
 * and BSN_CONTRACT_BUNDLE_FAILED for any other build error.
 */
export async function bundleContract(entryPath: string): Promise<BundledContract> {
  const entry = resolve(entryPath);
  let output: string;
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2020',
      conditions: ['@bsn/source'],
      mainFields: ['module', 'main'],
      // Libraries commonly branch on NODE_ENV; fixing it at bundle time keeps them away from `process`.
      define: { 'process.env.NODE_ENV': '"production"' },
      charset: 'utf8',
      legalComments: 'none',
      sourcemap: false,
      logLevel: 'silent',
      plugins: [refuseNodeBuiltins],
    });
    const file = result.outputFiles[0];
    if (!file)
      throw new BsnError('BSN_CONTRACT_BUNDLE_FAILED', `esbuild produced no output for ${entryPath}`);
    output = file.text;
  } catch (err) {
    if (err instanceof BsnError) throw err;
    const errors = (err as { errors?: Message[] }).errors ?? [];
    const forbidden = errors.filter((m) => m.detail === 'forbidden-import');
    if (forbidden.length > 0) {
      throw new BsnError('BSN_CONTRACT_FORBIDDEN_IMPORT', describe(forbidden), {
        details: { entry: entryPath },
      });
    }
    throw new BsnError(
      'BSN_CONTRACT_BUNDLE_FAILED',
      `cannot bundle ${entryPath}: ${errors.length ? describe(errors) : String(err)}`,
      {
        details: { entry: entryPath },
        cause: err,
      },
    );
  }
  return { code: output, codeHash: hashHex(output) };
}
