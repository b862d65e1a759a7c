// What a front end writes against openapi-typescript's default output (web/src/api/schema.d.ts):
// tests/test_contract_lint.py type-checks it with `tsc --strict`, so the contract stays usable as types.
import type { components, operations } from "../src/api/schema";

type Schemas = components["schemas"];
type DemandListQuery = NonNullable<operations["list_demands"]["parameters"]["query"]>;
type DemandDetail = operations["get_demand"]["responses"][200]["content"]["application/json"];
type Todo = operations["my_todo"]["responses"][200]["content"]["application/json"];

// A login body: exactly its three fields.
export const login: Schemas["LoginIn"] = { account_type: "organization", login: "gd_sz_lh", password: "secret" };

// Optional request fields may be left out: no `null` or `[]` to invent.
export const apply: Schemas["ApplyIn"] = {};
export const draft: Schemas["DemandContentIn"] = { title: "【乡村云支教】招募数学辅导志愿者" };
export const rating: Schemas["RatingIn"] = { score: 5 };

// A list query: the city comes from its enum.
export const query: DemandListQuery = { city: "深圳市", limit: 20 };
// @ts-expect-error 长沙市 is not one of the Guangdong cities the server accepts
export const wrongCity: DemandListQuery = { city: "长沙市" };

// A demand detail: `view` tells the three answers apart.
export function leaderMobile(detail: DemandDetail): string | null {
  if (detail.view === "public") {
    // @ts-expect-error the public detail has no leader mobile
    return detail.org?.leader_mobile ?? null;
  }
  return detail.org?.leader_mobile ?? null;
}

export function statusText(detail: DemandDetail): string {
  return `${detail.title ?? ""}：${detail.status_label}`;
}

export function pendingCount(todo: Todo): number {
  return todo.role === "league_org" ? todo.pending_claims : todo.pending_applications;
}
