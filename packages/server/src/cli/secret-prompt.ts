/**
 * Where the CLI gets an AppDecryptKey, the password that opens an app's key file. It is a secret,
 * so the preferred sources keep it out of the process list and shell history:
 *
 *   --app-decrypt-key K (where a command offers it)  >  SECUREVOD_APP_DECRYPT_KEY  >
 *   a hidden prompt on the terminal (only when stdin is a TTY)
 *
 * With none of them the command stops with a usage error. The key is never echoed, logged or
 * put into a message.
 */
import { CliError } from './cli-error.js';

export interface SecretPromptIo {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WritableStream;
}

export const APP_DECRYPT_KEY_ENV = 'SECUREVOD_APP_DECRYPT_KEY';

export async function resolveAppDecryptKey(input: {
  flag?: string;
  env: Readonly<Record<string, string | undefined>>;
  io: SecretPromptIo;
  /** Ask twice and compare (when the key is being chosen, not when it opens something). */
  confirm?: boolean;
  /** Names the flag in the usage error, when the command has one. */
  flagName?: string;
}): Promise<string> {
  if (input.flag !== undefined && input.flag !== '') return input.flag;
  const fromEnv = input.env[APP_DECRYPT_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!input.io.input.isTTY) {
    const flag = input.flagName ? `pass ${input.flagName} or ` : '';
    throw new CliError(
      `no AppDecryptKey: ${flag}set ${APP_DECRYPT_KEY_ENV} (or run in a terminal to be asked)`,
      2,
    );
  }
  const key = await promptHidden('AppDecryptKey: ', input.io);
  if (input.confirm) {
    const again = await promptHidden('AppDecryptKey (again): ', input.io);
    if (again !== key) throw new CliError('the two AppDecryptKeys do not match', 2);
  }
  if (key === '') throw new CliError('no AppDecryptKey entered', 2);
  return key;
}

/**
 * Reads one line from a terminal without echoing it (raw mode; Backspace edits, Enter ends,
 * Ctrl-C / Ctrl-D cancel). `io.input` must be a TTY.
 */
export function promptHidden(question: string, io: SecretPromptIo): Promise<string> {
  const { input, output } = io;
  // Echo off before the question appears: whatever is typed (or pasted) after seeing it must
  // never reach the terminal.
  input.setRawMode(true);
  output.write(question);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new CliError('cancelled', 1));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
