/**
 * Command-line manners shared by every entry point a person types (`npm run sync`, `bench`,
 * `package`, `try-action`, `worker`): `--help` prints the usage and exits 0; a bad argument prints
 * one line saying what is wrong and exits 2; a failure while running prints one line and exits 1.
 * Never a stack trace for something the person can fix.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

export const EXIT_USAGE = 2;

export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** The command as typed, e.g. `npm run sync --`. */
  command: string;
  /** The usage text printed by --help (after the command line). */
  usage: string;
  options: O;
  allowPositionals?: boolean;
}

/** Thrown for an argument the person got wrong: the message is the whole story. */
export class UsageError extends Error {}

function exitWithUsageError(command: string, message: string): never {
  process.stderr.write(`${command}: ${message} (see --help)\n`);
  process.exit(EXIT_USAGE);
}

export function parseCli<O extends ParseArgsOptionsConfig>(spec: CliSpec<O>, args = process.argv.slice(2)) {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h', default: false } } as const;
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: spec.allowPositionals ?? false, strict: true });
  } catch (error) {
    // parseArgs' own messages are one sentence each ("Unknown option '--x'. …"); keep the first.
    exitWithUsageError(spec.command, (error as Error).message.split('\n')[0]!);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`usage: ${spec.command} ${spec.usage.trim()}\n`);
    process.exit(0);
  }
  return parsed;
}

/** A whole number within bounds, or a usage error naming the option. */
export function integerOption(
  value: string | undefined,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d{1,12}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new UsageError(
      `--${name} takes a whole number from ${bounds.min} to ${bounds.max}, not '${value}'`,
    );
  }
  return n;
}

/**
 * Runs a command's body: a UsageError exits 2 with its line, anything else exits 1 with one line
 * (the stack only with DEBUG set, for whoever is debugging the command itself).
 */
export async function runCli(command: string, main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof UsageError) exitWithUsageError(command, error.message);
    const err = error as Error & { cause?: { code?: string; message?: string } };
    const cause = err.cause?.code ?? err.cause?.message;
    process.stderr.write(`${command}: ${err.message}${cause ? ` (${cause})` : ''}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    process.exit(1);
  }
}
