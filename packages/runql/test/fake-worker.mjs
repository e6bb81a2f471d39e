// A stand-in for the browser's Worker, for RunQLWorker's unit tests in node: each worker
// answers its messages with `FakeWorker.script(worker, message)`, which the test sets.
// Messages are delivered as a browser delivers them, each in a task of its own, and the
// objects are passed as they are (no structured clone).

export class FakeWorker {
  /** Every worker made since the last reset(), in order: [0] is the first one. */
  static instances = [];
  /** (worker, {id, op, args}) => void: answers with worker.reply(), or never. */
  static script = answerAll;

  static reset(script = answerAll) {
    FakeWorker.instances = [];
    FakeWorker.script = script;
  }

  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.terminated = false;
    /** The messages posted to this worker. */
    this.received = [];
    this.onmessage = null;
    this.onerror = null;
    this.onmessageerror = null;
    /** 1 for the first worker made, 2 for the next one, ... */
    this.index = FakeWorker.instances.push(this);
  }

  postMessage(message) {
    if (this.terminated) return;
    this.received.push(message);
    setTimeout(() => {
      if (!this.terminated) FakeWorker.script(this, message);
    }, 0);
  }

  /** Sends `data` to the page, unless the worker was terminated. */
  reply(data) {
    if (!this.terminated) this.onmessage?.({ data });
  }

  /** An error outside a request (a script error), as the browser reports it. */
  fail(message) {
    if (!this.terminated) this.onerror?.({ message, preventDefault() {} });
  }

  terminate() {
    this.terminated = true;
  }

  /** The ops of the messages this worker got, in order. */
  ops() {
    return this.received.map((m) => m.op);
  }
}

/** A scene as the worker sends one (see chart.js): nothing to draw. */
export const EMPTY_SCENE = { width: 100, height: 50, pixelRatio: 1, background: "#fff", shapes: [] };

/** The answer of the real worker to each op, with no engine behind it. */
export function answer(message) {
  switch (message.op) {
    case "load":
    case "loadDemo":
      return { rows: { runs: 1 } };
    case "tables":
      return ["runs"];
    case "query":
      return { columns: [], numRows: 0, data: [], ipc: new Uint8Array() };
    case "chartCreate":
      return { id: 1, scene: EMPTY_SCENE };
    default:
      return true;
  }
}

/** The default script: every request succeeds. */
export function answerAll(worker, message) {
  worker.reply({ id: message.id, result: answer(message) });
}

/** The answer of a worker whose query module trapped during the request. */
export function fatal(message, cause = "unreachable") {
  return { id: message.id, error: { kind: "internal", message: "the module crashed", fatal: true, cause } };
}

/** A canvas as paintScene and prepareSpec use it. */
export function fakeCanvas() {
  const ctx = new Proxy({}, {
    get: (target, prop) => (prop in target ? target[prop] : () => undefined),
    set: (target, prop, value) => {
      target[prop] = value;
      return true;
    },
  });
  return { clientWidth: 100, clientHeight: 50, width: 0, height: 0, style: {}, getContext: () => ctx };
}

/** Lets the pending tasks (the fake workers' answers) run. */
export function settle(ms = 5) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
