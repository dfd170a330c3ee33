import { findFunctionCalls } from './ast.ts';
import type { CatalogSnapshot, ExpressionAst } from './snapshot.ts';

/**
 * Which custom settings the policies read to learn the current tenant: `current_setting('x.y', ...)`
 * written in the policy itself, or inside a function the policy calls (the
 * `app.current_tenant()` pattern). Pure; the caller decides what a tie or nothing means.
 */

/** A custom setting and how many policies read it. */
export interface SettingUse {
  setting: string;
  /** Policies (on distinct relations or not) whose USING or WITH CHECK reads the setting. */
  policies: number;
  /** True when found only inside called functions' source, not in policy text. */
  viaFunction: boolean;
}

// Function bodies are not parsed (plpgsql, sql, anything): a pattern over the source text is
// enough to see which settings a helper reads, and cannot mistake a column for a setting.
const settingInSource = /current_setting\s*\(\s*'([^']+)'/gi;

function settingsInSource(source: string): string[] {
  return [...source.matchAll(settingInSource)].map((match) => match[1]!);
}

/** Only custom (dotted) settings can carry a tenant; `search_path` or `role` cannot. */
function isCustomSetting(name: string): boolean {
  return /^[^.]+\.[^.]/.test(name);
}

/** Settings read by each policy's own expressions and by the functions it calls. */
function settingsOfPolicy(snapshot: CatalogSnapshot, asts: ExpressionAst[]): { direct: Set<string>; viaFunction: Set<string> } {
  const direct = new Set<string>();
  const viaFunction = new Set<string>();
  for (const ast of asts) {
    for (const call of findFunctionCalls(ast, 'current_setting')) {
      const first = call.args[0];
      if (first?.constant && typeof first.value === 'string' && isCustomSetting(first.value)) direct.add(first.value);
    }
    for (const call of findFunctionCalls(ast)) {
      const name = call.name[call.name.length - 1];
      const schema = call.name.length > 1 ? call.name[call.name.length - 2] : undefined;
      for (const fn of snapshot.functions) {
        if (fn.name !== name || (schema !== undefined && fn.schema !== schema)) continue;
        for (const setting of settingsInSource(fn.source)) if (isCustomSetting(setting)) viaFunction.add(setting);
      }
    }
  }
  return { direct, viaFunction };
}

/**
 * Custom settings read by the policies, most used first (ties by name). A setting is counted
 * once per policy whether it appears in USING, WITH CHECK or both.
 */
export function settingsReadByPolicies(snapshot: CatalogSnapshot): SettingUse[] {
  const uses = new Map<string, SettingUse>();
  for (const relation of snapshot.relations) {
    for (const policy of relation.policies) {
      const asts = [policy.using?.ast, policy.withCheck?.ast].filter((ast) => ast !== null && ast !== undefined);
      const { direct, viaFunction } = settingsOfPolicy(snapshot, asts);
      for (const setting of new Set([...direct, ...viaFunction])) {
        const use = uses.get(setting) ?? { setting, policies: 0, viaFunction: true };
        use.policies++;
        if (direct.has(setting)) use.viaFunction = false;
        uses.set(setting, use);
      }
    }
  }
  return [...uses.values()].sort((a, b) => b.policies - a.policies || a.setting.localeCompare(b.setting));
}
