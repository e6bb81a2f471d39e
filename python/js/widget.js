// The runql Jupyter widget's front end (anywidget). One runql instance per model
// (initialize); each view of it (render) shows the SQL box, result table and chart.

import { Session } from "./session.js";
import { mountView } from "./view.js";

// anywidget hands initialize and render different wrappers of one model, so sessions are
// found by the model's `_uid` trait (a random id set by the kernel).
const sessions = new Map();

export default {
  initialize({ model }) {
    const session = new Session(model);
    const uid = model.get("_uid");
    sessions.set(uid, session);
    return () => {
      if (sessions.get(uid) === session) sessions.delete(uid);
      session.close();
    };
  },
  render({ model, el }) {
    const session = sessions.get(model.get("_uid"));
    if (!session) {
      el.textContent = "runql: this widget's model was closed";
      return undefined;
    }
    return mountView(session, model, el);
  },
};
