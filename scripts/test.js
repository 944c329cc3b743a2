// npm test: build, type-check, lint, format check, then every jest suite; prints how long each part
// and the whole took. Plain JavaScript so it runs before anything is compiled. The checks run two at a
// time (one per core); each part's output is printed whole when it ends, so parts never interleave.
const { Buffer } = require('node:buffer');
const { spawn } = require('node:child_process');

const bin = (name) => require.resolve(`${name}/package.json`).replace(/package\.json$/, '');
const node = (script, args) => ({ command: process.execPath, args: [script, ...args] });
const parts = {
  build: node(`${bin('typescript')}bin/tsc`, ['-p', 'tsconfig.build.json']),
  'type-check': node(`${bin('typescript')}bin/tsc`, ['--noEmit', '-p', '.']),
  lint: node(`${bin('eslint')}bin/eslint.js`, ['.']),
  'format check': node(`${bin('prettier')}bin/prettier.cjs`, ['--check', '.']),
  jest: node(`${bin('jest')}bin/jest.js`, process.argv.slice(2)),
};

const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function run(name, { stream } = { stream: false }) {
  const { command, args } = parts[name];
  const since = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: stream ? 'inherit' : 'pipe' });
    const output = [];
    child.stdout?.on('data', (chunk) => output.push(chunk));
    child.stderr?.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      process.stdout.write(Buffer.concat(output));
      const failed = code !== 0;
      console.log(
        `${failed ? 'FAILED' : 'done'}: ${name} in ${seconds(since)}${signal ? ` (${signal})` : ''}`,
      );
      resolve(failed ? (code ?? 1) : 0);
    });
  });
}

async function main() {
  for (const pair of [
    ['build', 'type-check'],
    ['lint', 'format check'],
  ]) {
    const codes = await Promise.all(pair.map((name) => run(name)));
    const failed = codes.find((code) => code !== 0);
    if (failed !== undefined) return failed;
  }
  // jest draws its own progress as it goes, so its output is not held back.
  return run('jest', { stream: true });
}

main().then((code) => {
  console.log(`npm test ${code === 0 ? 'passed' : 'failed'} in ${seconds(started)}`);
  process.exitCode = code;
});
