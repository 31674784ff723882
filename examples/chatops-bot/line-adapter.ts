// The bot's chat adapter for a plain line stream: each input line is `<user>: <phrase>`, each reply a line
// `@<user> <text>`. It runs the bot with no chat service (stdin/stdout, or pipes in a test). A real adapter (Slack,
// Matrix...) does the same with the service's messages: it tells the bot who wrote what, and posts the replies.
//
// Messages are handled side by side: a drain being followed does not keep another user's `approve` waiting.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChatopsBot } from './bot.ts';

const MESSAGE = /^\s*([A-Za-z0-9][A-Za-z0-9_.@-]{0,63})\s*:\s*(.*)$/;

/** Reads messages from `input` until it ends, answers on `output`; resolves once every answer is complete. */
export async function runLineAdapter(bot: ChatopsBot, input: Readable, output: Writable): Promise<void> {
  const pending = new Set<Promise<void>>();
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const message = MESSAGE.exec(line);
    if (!message) {
      output.write('expected a message as <user>: <phrase>\n');
      continue;
    }
    const [, user = '', text = ''] = message;
    const answer = bot.handle(user, text, (reply) => output.write(`@${user} ${reply}\n`));
    pending.add(answer);
    void answer.finally(() => pending.delete(answer));
  }
  await Promise.all(pending);
}
