// The runql Jupyter widget's front end (anywidget). One runql instance per model
// (initialize); each view of it (render) shows the SQL box, result table and chart.

import { Session } from "./session.js";
import { mountView } from "./view.js";

const sessions = new WeakMap();

export default {
  initialize({ model }) {
    const session = new Session(model);
    sessions.set(model, session);
    return () => {
      sessions.delete(model);
      session.close();
    };
  },
  render({ model, el }) {
    const session = sessions.get(model);
    if (!session) {
      el.textContent = "runql: this widget's model was closed";
      return undefined;
    }
    return mountView(session, model, el);
  },
};
