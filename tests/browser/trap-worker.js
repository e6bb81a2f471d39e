// The package's runql worker, for the tests, with one way in to make its query module trap:
// a query whose parameters are ["__trap__"] runs with a parameter list (a Proxy) that, when
// the module reads it, calls into the module with an out-of-bounds pointer. The trap
// (a real WebAssembly.RuntimeError) unwinds through the module's frames in the middle of the
// query, as a panic or a stack overflow would.

import "/packages/runql/src/worker.js";
import { trapParams } from "./trap.js";

const answer = self.onmessage;
self.onmessage = async (event) => {
  const { data } = event;
  if (data?.op === "query" && data.args?.params?.[0] === "__trap__") {
    const wasm = await (await import("/packages/runql/pkg/runql_wasm.js")).default();
    data.args.params = trapParams(wasm);
  }
  return answer({ data });
};
