/** The `?` help, read from the key table. */
import { Box, Text } from 'ink';
import { helpRows } from '../keys.js';

export function Help(props: { height: number }) {
  const rows = helpRows();
  const w = Math.max(...rows.map((r) => r.keys.length));
  return (
    <Box flexDirection="column" height={props.height + 1}>
      <Text bold>Keys (any key closes this)</Text>
      {rows.slice(0, props.height).map((r, n) => (
        <Text key={n} wrap="truncate-end">
          {`  ${r.keys.padEnd(w)}  ${r.text}`}
        </Text>
      ))}
    </Box>
  );
}
