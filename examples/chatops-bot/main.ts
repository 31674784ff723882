// Runs the chatops bot on stdin/stdout:
//
//   SWARMGATE_URL=http://127.0.0.1:8080/graphql SWARMGATE_JWT_SECRET=... CHATOPS_TENANT=demo \
//   CHATOPS_USERS=alice=operator,bob=admin,carol=viewer node --import tsx examples/chatops-bot/main.ts
//
// then type lines such as `alice: status alpha`. SWARMGATE_JWT_ISSUER and SWARMGATE_JWT_AUDIENCE are put in the
// tokens when the gateway checks them; CHATOPS_BOT_NAME names the actor (default chatops-bot).
import { ChatopsBot } from './bot.ts';
import { runLineAdapter } from './line-adapter.ts';
import { createLocalSigner, parseUserDirectory } from './signer.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see examples/chatops-bot/main.ts)`);
  return value;
}

async function main(): Promise<void> {
  const tokens = createLocalSigner({
    secret: required('SWARMGATE_JWT_SECRET'),
    tenant: required('CHATOPS_TENANT'),
    users: parseUserDirectory(required('CHATOPS_USERS')),
    ...(process.env.CHATOPS_BOT_NAME ? { botName: process.env.CHATOPS_BOT_NAME } : {}),
    ...(process.env.SWARMGATE_JWT_ISSUER ? { issuer: process.env.SWARMGATE_JWT_ISSUER } : {}),
    ...(process.env.SWARMGATE_JWT_AUDIENCE ? { audience: process.env.SWARMGATE_JWT_AUDIENCE } : {}),
  });
  const bot = new ChatopsBot({ url: process.env.SWARMGATE_URL ?? 'http://127.0.0.1:8080/graphql', tokens });
  await runLineAdapter(bot, process.stdin, process.stdout);
}

main().catch((error: unknown) => {
  console.error(`chatops-bot: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
