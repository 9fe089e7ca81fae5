/** A body of styled lines from `scroll` on: the incident detail and the result pane. */
import { Box, Text } from 'ink';
import type { Line } from '../detail.js';

export function ScrollView(props: { lines: readonly Line[]; scroll: number; height: number; selectedRequest?: number }) {
  const visible = props.lines.slice(props.scroll, props.scroll + props.height + 1);
  return (
    <Box flexDirection="column" height={props.height + 1}>
      {visible.map((l, n) => (
        <Text
          key={props.scroll + n}
          wrap="truncate-end"
          color={l.color}
          bold={l.bold}
          dimColor={l.dim}
          inverse={l.request !== undefined && l.request === props.selectedRequest && l.bold}
        >
          {l.text || ' '}
        </Text>
      ))}
    </Box>
  );
}
