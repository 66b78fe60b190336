import { type BackendReport, describeBackends, initBackend } from '@convkit/tensor';
import type { Command } from 'commander';
import type { GlobalOptions } from '../context';
import { VERSION } from '../version';

/** `convkit doctor`: which backends are installed and start here, with versions and flags. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report which TensorFlow.js backends are installed and start on this machine')
    .addHelpText('after', '\nWith --backend NAME, tries to start that one backend and reports the result.')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      if (options.backend) {
        const info = await initBackend(options.backend);
        if (options.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        else process.stdout.write(`${info.name} ${info.version} starts. ${info.summary}\n`);
        return;
      }
      const reports = await describeBackends();
      if (options.json) {
        const env = {
          convkit: VERSION,
          node: process.version,
          platform: `${process.platform}-${process.arch}`,
        };
        process.stdout.write(`${JSON.stringify({ ...env, backends: reports }, null, 2)}\n`);
      } else {
        process.stdout.write(
          `convkit ${VERSION} on node ${process.version} (${process.platform}-${process.arch})\n\n`,
        );
        process.stdout.write(`${formatTable(reports)}\n`);
      }
    });
}

/** The doctor report as an aligned text table. */
export function formatTable(reports: BackendReport[]): string {
  const rows = [
    ['backend', 'installed', 'starts', 'version', 'details'],
    ...reports.map((r) => [
      r.name,
      r.installed ? 'yes' : 'no',
      r.starts ? 'yes' : 'no',
      r.version ?? '-',
      r.starts
        ? Object.entries(r.flags)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '-'
        : (r.error ?? '-'),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const last = widths.length - 1;
  return rows
    .map((row) => row.map((cell, c) => (c < last ? cell.padEnd(widths[c]) : cell)).join('  '))
    .join('\n');
}
