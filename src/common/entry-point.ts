// True when the module at `moduleUrl` is the script node was started with (node file.js, tsx file.ts),
// so a file can both export its pieces and run as a program.
import { pathToFileURL } from 'node:url';

export function isEntryPoint(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}
