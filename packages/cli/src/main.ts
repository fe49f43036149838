import { isLianzhengError } from '@lianzheng/protocol';
import { Command, CommanderError } from 'commander';
import { registerCa } from './commands/ca.js';
import { registerCluster } from './commands/cluster.js';
import { registerContract } from './commands/contract.js';
import { registerCredential } from './commands/credential.js';
import { registerGov } from './commands/gov.js';
import { registerIdentity } from './commands/identity.js';
import { registerInit } from './commands/init.js';
import { registerKeys } from './commands/keys.js';
import { registerNotary } from './commands/notary.js';
import { registerPrivacy } from './commands/privacy.js';
import { registerQuery } from './commands/query.js';
import { registerRecords } from './commands/records.js';
import { registerStart } from './commands/start.js';
import { registerStats } from './commands/stats.js';
import { registerTx } from './commands/tx.js';
import { registerVerify } from './commands/verify.js';
import { registerWorkflow } from './commands/workflow.js';

export { cliErrors } from './context.js';
export { DEMO_PERSONAL, DEMO_RECORDS, type DemoIdentity } from './demoSeed.js';

export function createProgram(): Command {
  const program = new Command('lianzheng')
    .description(
      '链政 Lianzheng — permissioned government ledger: node, keys, certificates, identities, governance, transactions, proofs, notarisation, public records',
    )
    .option('--home <dir>', 'node home directory (default: $LIANZHENG_HOME or ./data/demo)')
    .option('--url <url>', 'node API URL (default: $LIANZHENG_URL or the home node.json address)')
    .option('--genesis <file>', 'pinned genesis to verify proofs against (default: <home>/genesis.json)')
    .option('--json', 'machine-readable output')
    .option(
      '--passphrase-file <file>',
      'file holding the key-file passphrase (default: $LIANZHENG_PASSPHRASE, $LIANZHENG_PASSPHRASE_FILE, or a prompt)',
    )
    .showHelpAfterError()
    .exitOverride();
  registerInit(program);
  registerStart(program);
  registerCluster(program);
  registerKeys(program);
  registerTx(program);
  registerQuery(program);
  registerVerify(program);
  registerNotary(program);
  registerCa(program);
  registerIdentity(program);
  registerGov(program);
  registerContract(program);
  registerWorkflow(program);
  registerCredential(program);
  registerPrivacy(program);
  registerStats(program);
  registerRecords(program);
  return program;
}

/** Runs the CLI; coded errors print as `error CODE: message` with exit code 1. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (isLianzhengError(error)) {
      const details = error.details === undefined ? '' : ` ${JSON.stringify(error.details)}`;
      process.stderr.write(`error ${error.code}: ${error.message}${details}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(
      `error INTERNAL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
