// The command line, on Node's util.parseArgs: oslo.config's --config-file and --config-dir (kept in the order
// given, as oslo reads them), --help, --version and --print-config. Pure: server.ts passes process.argv and
// does the printing and exiting, so every answer here is tested without starting a process.
import { parseArgs } from 'node:util';
import { SERVICE_NAME, VERSION } from './common/package-info.js';
import { maskedConfig, type LoadedConfig } from './config/load.js';
import type { ConfigSource } from './config/oslo-files.js';
import { SAMPLE_PATH } from './config/sample.js';

/** A command that needs the configuration: the sources the command line names, in order. */
export interface LoadCommand {
  action: 'serve' | 'print-config';
  sources: ConfigSource[];
}

/** What the command line asks for. */
export type Command =
  LoadCommand | { action: 'help' } | { action: 'version' } | { action: 'usage-error'; message: string };

/** Exit codes: a usage error is 2 (as argparse, and so oslo.config, exits), a configuration error 1. */
export const EXIT_USAGE = 2;
export const EXIT_CONFIG = 1;

const OPTIONS = {
  'config-file': { type: 'string', multiple: true },
  'config-dir': { type: 'string', multiple: true },
  'print-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** The usage text, for --help and (on stderr) for a usage error. */
export function usage(program: string): string {
  return `usage: ${program} [--config-file PATH]... [--config-dir DIR]... [--print-config] [--help] [--version]

Serves the names of the Glance images a caller's X-Auth-Token can see.

options:
  --config-file PATH  an oslo.config file ([DEFAULT], [keystone_authtoken], [communication]...); repeatable,
                      values in later files win
  --config-dir DIR    every *.conf in DIR, in name order, read where the option stands among --config-file
  --print-config      print the effective configuration as JSON, secrets masked, and exit
  -h, --help          print this help and exit
  --version           print the version and exit

Sources, later ones winning: option defaults, the files in command-line order, OS_<GROUP>__<OPTION>
environment variables. Every option, its variable and its default: docs/configuration.md; a sample file:
${SAMPLE_PATH}; the configuration rules: docs/deploy.md#configuration.
Exit status: 0 served and stopped cleanly, 1 invalid configuration, 2 invalid command line.
`;
}

/** Reads argv (without node and the script); unknown options and positional arguments are usage errors. */
export function parseCommandLine(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    return { action: 'usage-error', message: (err as Error).message };
  }
  const { values, tokens } = parsed;
  if (values.help) return { action: 'help' };
  if (values.version) return { action: 'version' };
  const sources: ConfigSource[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || (token.name !== 'config-file' && token.name !== 'config-dir')) continue;
    const path = token.value ?? '';
    if (path === '') return { action: 'usage-error', message: `Option '--${token.name}' needs a path` };
    sources.push({ kind: token.name === 'config-file' ? 'file' : 'dir', path });
  }
  return { action: values['print-config'] ? 'print-config' : 'serve', sources };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
}

/** What the process prints, and its exit status. */
export interface Answer {
  stdout: string;
  stderr: string;
  code: number;
}

export const loadsConfig = (command: Command): command is LoadCommand => 'sources' in command;

/** The answer to --help, --version or a usage error. */
export function immediateAnswer(command: Exclude<Command, LoadCommand>, program: string): Answer {
  switch (command.action) {
    case 'help':
      return { stdout: usage(program), stderr: '', code: 0 };
    case 'version':
      // oslo.config's --version (argparse's version action): the version alone.
      return { stdout: `${VERSION}\n`, stderr: '', code: 0 };
    case 'usage-error':
      return { stdout: '', stderr: `${SERVICE_NAME}: ${command.message}\n\n${usage(program)}`, code: EXIT_USAGE };
  }
}

/** --print-config: the effective configuration as JSON with secrets masked; the sources' warnings on stderr. */
export function printConfigAnswer(loaded: LoadedConfig): Answer {
  return {
    stdout: `${JSON.stringify(maskedConfig(loaded.config), null, 2)}\n`,
    stderr: loaded.warnings.map((w) => `${SERVICE_NAME}: warning: ${w}\n`).join(''),
    code: 0,
  };
}
