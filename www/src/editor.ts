// The SQL editor: CodeMirror 6 with SQL highlighting, completion of runql's tables and
// columns, Ctrl/Cmd+Enter to run, and query errors marked in the text.

import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  type Completion,
  completionKeymap,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { sql, StandardSQL } from "@codemirror/lang-sql";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, keymap, lineNumbers, placeholder } from "@codemirror/view";

/** Table name → its columns, for completion (a Completion can insert a quoted name). */
export type SqlSchema = Record<string, (string | Completion)[]>;

const setError = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: "cm-sql-error" });

/** The underlined span of the last error, if any (cleared by the next edit). */
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) return Decoration.none;
    for (const e of tr.effects) {
      if (e.is(setError)) return e.value ? Decoration.set([errorMark.range(e.value.from, e.value.to)]) : Decoration.none;
    }
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/**
 * Where in `text` an error message points: DataFusion names the unknown column or table
 * ("No field named foo", "table 'x' not found") or a line and column ("Line: 1, Column: 8").
 */
export function errorSpan(text: string, message: string): { from: number; to: number } | null {
  const pos = /Line: (\d+), Column: (\d+)/.exec(message);
  if (pos) {
    const lines = text.split("\n");
    const line = Number(pos[1]) - 1;
    if (line < lines.length) {
      const start = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, Number(pos[2]) - 1);
      const word = /^[\w."]+/.exec(text.slice(start));
      return { from: Math.min(start, text.length), to: Math.min(text.length, start + Math.max(1, word?.[0].length ?? 1)) };
    }
  }
  const named = /(?:No field named|column|table)\s+['"`]?([\w.]+(?:\.[\w/]+)?)['"`]?/i.exec(message);
  // "No field named foo." ends a sentence: the last non-empty dotted part is the name.
  const name = named?.[1].split(".").filter(Boolean).pop();
  if (name) {
    const i = text.toLowerCase().indexOf(name.toLowerCase());
    if (i >= 0) return { from: i, to: i + name.length };
  }
  return null;
}

export class SqlEditor {
  readonly view: EditorView;
  #language = new Compartment();

  constructor(parent: HTMLElement, doc: string, onRun: () => void, onChange: (text: string) => void) {
    const run = () => {
      onRun();
      return true;
    };
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          closeBrackets(),
          autocompletion(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          placeholder("SELECT … FROM runs_wide — Ctrl+Enter runs"),
          keymap.of([
            { key: "Mod-Enter", run, preventDefault: true },
            ...closeBracketsKeymap,
            ...defaultKeymap,
            ...historyKeymap,
            ...completionKeymap,
            indentWithTab,
          ]),
          this.#language.of(sql({ dialect: StandardSQL })),
          errorField,
          EditorView.contentAttributes.of({ "aria-label": "SQL query" }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange(u.state.doc.toString());
          }),
          EditorView.lineWrapping,
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  set text(value: string) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: value } });
  }

  /** Completion of runql's tables and columns (quoted when they hold dots). */
  setSchema(schema: SqlSchema): void {
    this.view.dispatch({
      effects: this.#language.reconfigure(sql({ dialect: StandardSQL, schema, upperCaseKeywords: true })),
    });
  }

  /** Underlines where an error message points (or nothing). */
  markError(message: string | null): void {
    const span = message ? errorSpan(this.text, message) : null;
    // A mark must cover at least one character.
    this.view.dispatch({ effects: setError.of(span && span.to > span.from ? span : null) });
  }
}
