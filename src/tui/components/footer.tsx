/** The status line (results and refusals, wrapped: the reason is the point; the next step dimmed after it) and the input or hint line. */
import { Text } from 'ink';
import { hintsFor, type KeyContext } from '../keys.js';
import { TONE_COLOR, TONE_MARK, type Status } from '../outcome.js';
import type { Overlay } from '../state.js';

export const statusText = (status: Status | null): string =>
  status ? `${TONE_MARK[status.tone]} ${status.text}${status.hint ? ` ${status.hint}` : ''}` : ' ';

export function StatusLine(props: { status: Status | null }) {
  const { status } = props;
  if (!status) return <Text> </Text>;
  return (
    <Text wrap="wrap" color={TONE_COLOR[status.tone]}>
      {TONE_MARK[status.tone]} {status.text}
      {status.hint ? <Text dimColor> {status.hint}</Text> : null}
    </Text>
  );
}

export function InputLine(props: { overlay: Overlay | null; filterText: string; context: KeyContext }) {
  const { overlay } = props;
  if (overlay?.kind === 'filter')
    return (
      <Text wrap="truncate-end">
        /{props.filterText}█ <Text dimColor>(Enter keeps, Esc undoes)</Text>
      </Text>
    );
  if (overlay?.kind === 'prompt')
    return (
      <Text wrap="truncate-end">
        {overlay.label} {overlay.value}█ <Text dimColor>(Enter, Esc cancels)</Text>
      </Text>
    );
  if (overlay?.kind === 'confirm')
    return (
      <Text wrap="wrap" color="yellow" bold>
        {overlay.text} [y/N]
      </Text>
    );
  return (
    <Text wrap="truncate-end" dimColor>
      {hintsFor(props.context)}
    </Text>
  );
}
