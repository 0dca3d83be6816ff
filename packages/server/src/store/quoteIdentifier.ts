/** A name as one quoted SQL identifier (`LISTEN "a name"`), its quotes doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`
