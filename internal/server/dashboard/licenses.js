// Writes dist/licenses.txt: the licenses of the npm packages bundled into dist/app.js (served at
// /assets/licenses.txt), so the built assets carry their notices.
const fs = require("fs");
const bundled = ["preact", "htm"];
const text = bundled.map((name) => {
  const pkg = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8"));
  return `${name} ${pkg.version} (${pkg.license})\n\n${fs.readFileSync(`node_modules/${name}/LICENSE`, "utf8").trim()}\n`;
}).join("\n----\n\n");
fs.writeFileSync("dist/licenses.txt", text);
