import { Command, CommanderError } from 'commander';
import { registerActivations } from './commands/activations';
import { registerAugmentPreview } from './commands/augment-preview';
import { registerDataset } from './commands/dataset';
import { registerDoctor } from './commands/doctor';
import { registerEvaluate } from './commands/evaluate';
import { registerFeatures } from './commands/features';
import { registerFilters } from './commands/filters';
import { registerFineTune } from './commands/fine-tune';
import { registerGradCam } from './commands/gradcam';
import { registerPredict } from './commands/predict';
import { registerSplit } from './commands/split';
import { registerTour } from './commands/tour';
import { registerTrain } from './commands/train';
import { registerVgg16 } from './commands/vgg16';
import { exitCodeFor, formatError } from './errors';
import { VERSION } from './version';

/** Builds the `convkit` command with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('convkit')
    .description('The computer-vision chapter of Deep Learning with Python, on TensorFlow.js.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces for errors')
    .option('--backend <name>', 'TensorFlow.js backend: auto (default), cpu, wasm, webgpu, node, cuda')
    .option('--seed <n>', 'seed for every random choice (split, shuffling, augmentation, initialisers)')
    .option('--json', 'print machine-readable results on stdout (logs go to stderr)')
    .option('--quiet', 'print only results and errors')
    .option('--out <dir>', 'output folder (each command has its own default)')
    .option('--force', 'replace an existing output folder')
    .showHelpAfterError('(run convkit --help for usage)')
    .exitOverride();
  registerTour(program);
  registerDataset(program);
  registerDoctor(program);
  registerSplit(program);
  registerAugmentPreview(program);
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  registerFeatures(program);
  registerFineTune(program);
  registerActivations(program);
  registerFilters(program);
  registerGradCam(program);
  registerVgg16(program);
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
