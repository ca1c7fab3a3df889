/**
 * `securevod` command line. Each command reads its configuration here, once, and passes it down.
 */
import { Command } from 'commander';
import { kmsCommand } from './kms-command.js';
import { serverCommand } from './server-command.js';
import { uploadCommand } from './upload-command.js';
import { workerCommand } from './worker-command.js';
import { playAuthCommand, playUrlCommand } from './play-commands.js';
import { downloadCommand } from './download-command.js';
import { keysCommand } from './keys-command.js';
import { offlineCommand } from './offline-command.js';
import { traceCommand } from './trace-command.js';
import { releaseYoungGenerationCap } from '../ops/young-generation.js';

const program = new Command('securevod')
  .description('securevod: self-hosted encrypted video on demand')
  .showHelpAfterError()
  // Start-up is over once an action has run (`server` and `worker`: once they listen).
  .hook('postAction', releaseYoungGenerationCap);

program.addCommand(serverCommand());
program.addCommand(workerCommand());
program.addCommand(kmsCommand());
program.addCommand(uploadCommand());
program.addCommand(playUrlCommand());
program.addCommand(playAuthCommand());
program.addCommand(downloadCommand());
program.addCommand(offlineCommand());
program.addCommand(keysCommand());
program.addCommand(traceCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`securevod: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
