import { findFunctionCalls } from '../catalog/ast.ts';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { Tenancy } from '../core/tenancy.ts';

/** A function whose body reads the tenant context (`app.current_tenant()`, `auth.uid()`). */
export interface ContextFunction {
  schema: string;
  name: string;
  setting: string;
  /** The body reads the setting with missing_ok = true (NULL when unset) rather than failing. */
  missingOk: boolean;
}

/** How policies can read the current tenant. */
export interface ContextInfo {
  /** Settings that carry the tenant (or user) context. */
  settings: Set<string>;
  functions: ContextFunction[];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The settings that carry the context — the scenario's setting, those its statement sets, and
 * any a policy reads — and the functions whose bodies read them.
 */
export function contextSettings(snapshot: CatalogSnapshot, tenancy: Tenancy): ContextInfo {
  const settings = new Set<string>();
  if (tenancy.context.kind === 'setting') settings.add(tenancy.context.setting);
  else for (const m of tenancy.context.sql.matchAll(/set_config\s*\(\s*'([^']+)'/gi)) settings.add(m[1]!);
  for (const relation of snapshot.relations) {
    for (const policy of relation.policies) {
      for (const expression of [policy.using, policy.withCheck]) {
        if (!expression?.ast) continue;
        for (const call of findFunctionCalls(expression.ast, 'current_setting')) {
          const name = call.args[0];
          if (name?.constant && typeof name.value === 'string' && name.value.includes('.')) settings.add(name.value);
        }
      }
    }
  }
  const functions: ContextFunction[] = [];
  for (const fn of snapshot.functions) {
    for (const setting of settings) {
      const read = new RegExp(`current_setting\\s*\\(\\s*'${escape(setting)}'(?:::text)?\\s*(,\\s*(true|'t'|'true'))?`, 'i').exec(fn.source);
      if (read) {
        functions.push({ schema: fn.schema, name: fn.name, setting, missingOk: read[1] !== undefined });
        break;
      }
    }
  }
  return { settings, functions };
}
