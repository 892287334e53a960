// Short random ids matching the format's ^[A-Za-z0-9_-]{1,64}$.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function randomId(prefix = "", length = 6): string {
  let s = "";
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return prefix ? `${prefix}_${s}` : s;
}

/** An id with the given prefix that is not in `taken`. */
export function uniqueId(prefix: string, taken: Set<string>): string {
  for (;;) {
    const id = randomId(prefix);
    if (!taken.has(id)) return id;
  }
}
