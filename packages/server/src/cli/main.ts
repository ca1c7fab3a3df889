/**
 * `securevod` command line. Each command reads its configuration here, once, and passes it down.
 */
import { Command } from 'commander';
import { kmsCommand } from './kms-command.js';
import { serverCommand } from './server-command.js';

const program = new Command('securevod')
  .description('securevod: self-hosted encrypted video on demand')
  .showHelpAfterError();

program.addCommand(serverCommand());
program.addCommand(kmsCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`securevod: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
