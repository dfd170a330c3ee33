/** A schema-qualified object name, always unquoted (the catalog's spelling). */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/**
 * Parses `schema.name` or `name` (schema defaults to `public`). Double quotes may wrap
 * either part to keep dots or case: `"My Schema"."Orders"`.
 */
export function parseQualifiedName(text: string, defaultSchema = 'public'): QualifiedName {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === '.') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  if (parts.length === 1) return { schema: defaultSchema, name: parts[0]! };
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]! };
  throw new Error(`"${text}" is not a name of the form schema.name`);
}

/** `schema.name` for messages and map keys (not for SQL: quote with the db room's helper). */
export function formatQualifiedName(name: QualifiedName): string {
  return `${name.schema}.${name.name}`;
}

/** True when both names denote the same object. */
export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.schema === b.schema && a.name === b.name;
}
