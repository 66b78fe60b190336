import { Command, CommanderError } from 'commander';
import { registerDoctor } from './commands/doctor';
import { exitCodeFor, formatError } from './errors';
import { VERSION } from './version';

/** Builds the `convkit` command with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('convkit')
    .description('The computer-vision chapter of Deep Learning with Python, on TensorFlow.js.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(run convkit --help for usage)')
    .exitOverride();
  registerDoctor(program);
  return program;
}

/** Runs the CLI on an argv array and resolves to the process exit code (0 ok, 2 user error). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version or its own one-line error.
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${formatError(error, Boolean(program.opts().debug))}\n`);
    return exitCodeFor(error);
  }
}
