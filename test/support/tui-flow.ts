/**
 * The terminal UI's action conversations (src/tui/actions.ts) without Ink: each prompt is
 * answered from a script, each choice picked by action name, each confirmation answered yes,
 * and the outcome goes through the UI's one renderer (src/tui/outcome.ts) — the same path a
 * key press takes in the app, minus the drawing. The Ink harness tests (test/tui/*.test.tsx)
 * cover the drawing.
 */
import type { ActionKit } from '../../src/tui/actions.js';
import { settle, type Status } from '../../src/tui/outcome.js';
import type { TuiDeps } from '../../src/tui/source.js';
import type { Pane } from '../../src/tui/state.js';

export interface FlowScript {
  /** Answers to the prompts, in order (a silence's length, a parameter, a denial's reason). */
  answers?: string[];
  /** The action to pick in the chooser, by name (e.g. `scale`); without one the flow stops at the chooser. */
  pick?: string;
}

export interface FlowResult {
  /** The status line the UI shows at the end. */
  status: Status | null;
  /** The result pane, for a read. */
  pane: Pane | null;
  /** Every prompt, choice title and confirmation line the UI showed, in order. */
  asked: string[];
  /** The chooser's options, when it offered some. */
  options: string[];
}

export async function runFlow(deps: TuiDeps, start: (kit: ActionKit) => void, script: FlowScript = {}): Promise<FlowResult> {
  const answers = [...(script.answers ?? [])];
  const result: FlowResult = { status: null, pane: null, asked: [], options: [] };
  let running: Promise<void> = Promise.resolve();
  const kit: ActionKit = {
    deps,
    ask(o) {
      if (o === null || o.kind === 'help' || o.kind === 'filter') return;
      if (o.kind === 'confirm') {
        result.asked.push(o.text);
        return o.run();
      }
      if (o.kind === 'prompt') {
        result.asked.push(o.label);
        const answer = answers.shift();
        if (answer === undefined) throw new Error(`the script has no answer for "${o.label}"`);
        return o.submit(answer);
      }
      result.asked.push(o.title);
      result.options = o.options;
      if (script.pick === undefined) return; // only looking at what is offered
      const n = o.options.findIndex((x) => x.startsWith(`${script.pick} [`));
      if (n < 0) throw new Error(`"${script.pick}" is not offered: ${o.options.join(' | ')}`);
      o.pick(n);
    },
    say(status) {
      result.status = status;
    },
    perform(_label, fn) {
      running = settle(fn).then((shown) => {
        result.status = shown.status;
        result.pane = shown.pane ?? null;
      });
    },
  };
  start(kit);
  await running;
  return result;
}
