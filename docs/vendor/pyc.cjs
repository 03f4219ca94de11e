// Byte-compile a zip with the staged Pyodide itself (see pyc.py, which runs inside it).
//
//   node pyc.cjs PYODIDE_DIR IN.zip OUT.zip OPTIONS_JSON
//
// OPTIONS_JSON holds compile_zip's keyword arguments: mode ("sourceless" for the standard
// library, "beside" for a wheel), prefix (where the zip's names live at run time), drop
// (modules/packages to leave out), only (if given, the only sources to compile). Prints the
// counts as JSON; a new standard library is booted once before it is accepted. Node.js comes with npm, which the site's vendor step needs anyway.
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
  const [dir, input, output, options] = process.argv.slice(2);
  const mode = JSON.parse(options).mode;
  const { loadPyodide } = require(path.resolve(dir, "pyodide.js"));
  const py = await loadPyodide({ indexURL: path.resolve(dir) + "/" });
  py.FS.mkdirTree("/pyc");
  py.FS.writeFile("/pyc/in.zip", fs.readFileSync(input));
  py.FS.writeFile("/pyc/pyc.py", fs.readFileSync(path.join(__dirname, "pyc.py")));
  py.globals.set("OPTIONS", options);
  const counts = py.runPython(`
import json, sys
sys.path.insert(0, "/pyc")
from pyc import compile_zip
kw = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(OPTIONS).items()}
json.dumps(compile_zip("/pyc/in.zip", "/pyc/out.zip", **kw))
`);
  fs.writeFileSync(output, py.FS.readFile("/pyc/out.zip"));
  if (mode === "sourceless") {
    // A standard library must boot Pyodide (whose start-up imports ~140 modules of it)
    // and unpack a wheel (shutil, zipfile, tempfile) as the page does.
    const again = await loadPyodide({ indexURL: path.resolve(dir) + "/", stdLibURL: output });
    again.runPython("import shutil, tempfile, zipfile, json, html, random, statistics");
  }
  console.log(counts);
}

main().catch((err) => {
  console.error(String(err && err.message ? err.message : err).split("\n").slice(-3).join("\n"));
  process.exit(1);
});
