// Validates the given Dockerfiles (default: deploy/*.Dockerfile) without a Docker engine, with dockerfile-utils (the
// Dockerfile language server's validator): unknown instructions, missing or malformed arguments, bad flags.
// Prints file:line: message for each problem; exit code 1 when there is one.
const fs = require('node:fs');
const path = require('node:path');
const { validate } = require('dockerfile-utils');

const root = path.resolve(__dirname, '..', '..');
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : fs.readdirSync(path.join(root, 'deploy')).filter((f) => f.endsWith('.Dockerfile')).map((f) => path.join(root, 'deploy', f));
let problems = 0;
for (const file of files) {
  for (const diagnostic of validate(fs.readFileSync(file, 'utf8'))) {
    problems++;
    console.log(`${path.relative(root, file)}:${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
  }
}
if (files.length === 0) {
  console.log('no Dockerfile found');
  process.exit(1);
}
console.log(`${files.length} Dockerfiles checked, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
