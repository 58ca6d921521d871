/** Identifiers in double quotes, literals in single quotes, the quote character doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;
