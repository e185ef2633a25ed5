/** `[epoch:]rest` as dpkg and rpm write versions: the epoch (absent: 0) and the rest. */
export function splitEpoch(version: string): { epoch: bigint; rest: string } {
  const trimmed = version.trim();
  const colon = trimmed.indexOf(':');
  return colon > 0 && /^\d+$/.test(trimmed.slice(0, colon))
    ? { epoch: BigInt(trimmed.slice(0, colon)), rest: trimmed.slice(colon + 1) }
    : { epoch: 0n, rest: trimmed };
}
