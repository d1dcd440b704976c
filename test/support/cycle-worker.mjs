// One of several processes hammering one store: CYCLES times `deploy` then `finish`, each through the built
// CLI's main() in this process (a fresh store connection per command, as separate CLI runs would have).
// Prints {"ok":N,"errors":[...]} as its last line.
import { main } from '../../dist/cli.cjs';

const [db, app, cycles] = process.argv.slice(2);
const errors = [];
let ok = 0;

async function capture(args) {
  const chunks = [];
  const stdout = { write: (text) => (chunks.push(text), true) };
  const code = await main(args, process.env, { stdout, stderr: process.stderr });
  return { code, out: chunks.join('') };
}

for (let i = 0; i < Number(cycles); i += 1) {
  const deployed = await capture(['--db', db, '--json', 'deploy', '--app', app, '--env', 'race', '--version', `1.0.${i}`]);
  if (deployed.code !== 0) {
    errors.push(`deploy ${i} exited ${deployed.code}`);
    continue;
  }
  const { key } = JSON.parse(deployed.out);
  const finished = await capture(['--db', db, '--json', 'finish', key, '--status', 'success']);
  if (finished.code !== 0) errors.push(`finish ${i} exited ${finished.code}`);
  else ok += 1;
}
process.stdout.write(`${JSON.stringify({ ok, errors })}\n`);
