#!/usr/bin/env node
/**
 * `bsn` — the command line of BSN. Every command validates its arguments, prints JSON results on
 * stdout, and on failure prints `error CODE: message` on stderr and exits 1 (2 for usage errors).
 */
import { BsnError } from '@bsn/core';
import { Command, InvalidArgumentError } from 'commander';
import './errors.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to 65535`);
    return n;
  };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function run(action: () => Promise<unknown>): Promise<void> {
  try {
    const result = await action();
    if (result !== undefined) print(result);
  } catch (err) {
    const failed = err as { receipt?: unknown; code?: unknown };
    if (
      err instanceof Error &&
      err.name === 'Error' &&
      'receipt' in failed &&
      typeof failed.code === 'string'
    ) {
      print(failed.receipt);
      process.stderr.write(
        `error ${failed.code}: ${err.message} (the transaction is final; its receipt says failed)\n`,
      );
      process.exitCode = 1;
      return;
    }
    if (err instanceof BsnError) {
      process.stderr.write(`error ${err.code}: ${err.message}\n`);
      if (Object.keys(err.details).length > 0)
        process.stderr.write(`details: ${JSON.stringify(err.details)}\n`);
    } else {
      process.stderr.write(`error BSN_INTERNAL: ${(err as Error).message ?? String(err)}\n`);
    }
    process.exitCode = 1;
  }
}

const program = new Command();
program
  .name('bsn')
  .description('BSN — a self-hostable Blockchain-based Service Network')
  .showHelpAfterError();
const dirOption = ['--dir <dir>', 'folder of the network (network.json)', '.bsn'] as const;
const identityOption = ['--identity <org/name>', 'identity to act as (default: the network admin)'] as const;

program
  .command('up')
  .description('start a dev network on this machine (created on first use, resumed after)')
  .option('--pcns <n>', 'number of city nodes (first run only)', positiveInt('--pcns'), 4)
  .option(...dirOption)
  .option(
    '--base-port <port>',
    'first port: orderer at it, gateways after it, peer endpoints at +101',
    positiveInt('--base-port'),
    7000,
  )
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .action(async (o: { pcns: number; dir: string; basePort: number; host: string }) => {
    const { up } = await import('./commands/up.js');
    let running: Awaited<ReturnType<typeof up>>;
    try {
      running = await up({ dir: o.dir, pcns: o.pcns, basePort: o.basePort, host: o.host });
    } catch (err) {
      await run(async () => {
        throw err;
      });
      process.exit(1);
    }
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nStopping the network…\n');
      await running.stop();
      process.stdout.write('Stopped. Data kept in the network folder.\n');
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  });

const node = program.command('node').description('run a city node (PCN)');
node
  .command('start')
  .requiredOption('--config <file>', 'the PCN config file (YAML)')
  .action(async (o: { config: string }) => {
    const { nodeMain } = await import('@bsn/node');
    await nodeMain(o.config);
  });

const orderer = program.command('orderer').description('run the solo orderer');
orderer
  .command('start')
  .requiredOption('--dir <dir>', 'data folder (write-ahead log and blocks)')
  .requiredOption('--id <id>', 'orderer id')
  .requiredOption('--key <file>', 'orderer private key (PEM)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .requiredOption('--port <port>', 'port to listen on', positiveInt('--port'))
  .action(async (o: { dir: string; id: string; key: string; host: string; port: number }) => {
    const { ordererMain } = await import('@bsn/ordering');
    await ordererMain([
      '--dir',
      o.dir,
      '--id',
      o.id,
      '--key',
      o.key,
      '--host',
      o.host,
      '--port',
      String(o.port),
    ]);
  });

program
  .command('org')
  .description('organisations')
  .command('create')
  .description('create an organisation (its CA and admin) and admit it on the system chain')
  .requiredOption('--name <org>', 'organisation id (equals the O of its certificates)')
  .option('--display-name <text>', 'human name')
  .option(...dirOption)
  .option(...identityOption)
  .action(async (o: { name: string; displayName?: string; dir: string; identity?: string }) => {
    const { orgCreate } = await import('./commands/network-commands.js');
    await run(() => orgCreate(o));
  });

program
  .command('identity')
  .description('identities')
  .command('enroll')
  .description(
    'issue a user certificate under an organisation (key generated and kept in the network folder)',
  )
  .requiredOption('--org <org>', 'organisation')
  .requiredOption('--name <name>', 'user name (certificate CN)')
  .option('--role <role>', 'role (certificate OU)', 'member')
  .option(...dirOption)
  .action(async (o: { org: string; name: string; role: string; dir: string }) => {
    const { identityEnroll } = await import('./commands/network-commands.js');
    await run(() => identityEnroll(o));
  });

const service = program.command('service').description('services (DApps)');
service
  .command('upgrade')
  .description("replace a service's contract code (the owner organisation's admin); state is kept")
  .requiredOption('--name <name>', 'service name')
  .requiredOption('--contract <path>', 'new contract module (.ts or .js)')
  .option(...dirOption)
  .option(...identityOption)
  .action(async (o: { name: string; contract: string; dir: string; identity?: string }) => {
    const { serviceUpgrade } = await import('./commands/network-commands.js');
    await run(() => serviceUpgrade(o));
  });
service
  .command('create')
  .description('bundle a contract, register the service on the system chain, wait until its PCNs run it')
  .requiredOption('--name <name>', 'service name')
  .requiredOption('--contract <path>', 'contract module (.ts or .js)')
  .requiredOption('--pcns <ids>', 'hosting PCNs, comma-separated', (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .option('--orgs <orgs>', 'further participating organisations, comma-separated', (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .option(
    '--roles <json>',
    'role → allowed methods, JSON (default: {"admin":["*"],"member":["*"]})',
    (v: string) => {
      try {
        return JSON.parse(v) as Record<string, string[]>;
      } catch {
        throw new InvalidArgumentError('--roles must be JSON such as {"member":["read"]}');
      }
    },
  )
  .option(...dirOption)
  .option(...identityOption)
  .action(
    async (o: {
      name: string;
      contract: string;
      pcns: string[];
      orgs?: string[];
      roles?: Record<string, string[]>;
      dir: string;
      identity?: string;
    }) => {
      const { serviceCreate } = await import('./commands/network-commands.js');
      await run(() => serviceCreate(o));
    },
  );

program
  .command('invoke')
  .description('call a contract method in a transaction; waits for finality and prints the verified receipt')
  .requiredOption('--service <name>', 'service')
  .argument('<method>', 'method name')
  .argument('[args...]', 'arguments: JSON values (a bare word is a string)')
  .option(...dirOption)
  .option(...identityOption)
  .action(async (method: string, args: string[], o: { service: string; dir: string; identity?: string }) => {
    const { invoke } = await import('./commands/network-commands.js');
    await run(() => invoke({ ...o, method, args }));
  });

program
  .command('query')
  .description(
    'call a read-only contract method; with --proof the answer is verified against a commit certificate',
  )
  .requiredOption('--service <name>', 'service')
  .argument('<method>', 'method name')
  .argument('[args...]', 'arguments: JSON values (a bare word is a string)')
  .option('--proof', 'ask for state proofs and verify them', false)
  .option(...dirOption)
  .option(...identityOption)
  .action(
    async (
      method: string,
      args: string[],
      o: { service: string; proof: boolean; dir: string; identity?: string },
    ) => {
      const { query } = await import('./commands/network-commands.js');
      await run(() => query({ ...o, method, args }));
    },
  );

program
  .command('status')
  .description('health of every city node of the network')
  .option(...dirOption)
  .action(async (o: { dir: string }) => {
    const { status } = await import('./commands/network-commands.js');
    await run(() => status(o));
  });

program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

await program.parseAsync(process.argv);
