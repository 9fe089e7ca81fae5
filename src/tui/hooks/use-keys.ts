/** Ink's input, one key at a time, always to the handler of the latest render. */
import { useInput, type Key } from 'ink';
import { useRef } from 'react';

export type KeyHandler = (input: string, key: Key) => void;

export function useKeys(handler: KeyHandler): void {
  const latest = useRef(handler);
  latest.current = handler;
  useInput((input, key) => {
    // Ink hands over text that arrives in one read (fast typing, key repeat, paste) as one
    // string; taken a character at a time, "jj" moves twice and "j\r" moves then opens.
    if ([...input].length > 1 && !key.ctrl && !key.meta && !input.includes('\u001B')) {
      for (const ch of input) {
        const enter = ch === '\r' || ch === '\n';
        const back = ch === '\u007F' || ch === '\b';
        latest.current(enter || back || ch === '\t' ? '' : ch, { ...key, return: enter, tab: ch === '\t', backspace: back });
      }
      return;
    }
    latest.current(input, key);
  });
}
