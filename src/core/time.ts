/** Timestamps as people and JSON read them: epoch milliseconds to ISO 8601 (UTC), null stays null. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
